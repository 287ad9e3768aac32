"""Copy the real data the workbook uses from the staging area into data/raw/ and write data/manifest.json.

A maintainer's tool, run when a source is added or refreshed (never by the packs or the tests)::

    python tools/stage_data.py [--staging ../shared/data-staging]

Each file listed in data/sources.yaml is copied byte-for-byte into ``data/raw/<source>/<file>.gz`` (gzip with a
fixed timestamp, so the same input always gives the same bytes), beside the source's PROVENANCE.md (with the
source's ``notes`` from sources.yaml appended). The manifest
records publisher, licence, original location, retrieval date and the sha256 of both the stored and the original
bytes, which ``nbutils data verify`` checks.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data"


def _gzip_bytes(raw: bytes) -> bytes:
    import io

    buffer = io.BytesIO()
    # mtime=0 and no file name make the output reproducible.
    with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as handle:
        handle.write(raw)
    return buffer.getvalue()


def _count_rows(raw: bytes, name: str) -> int | None:
    if name.endswith(".csv"):
        return max(raw.count(b"\n") - 1, 0) if raw.endswith(b"\n") else raw.count(b"\n")
    if name.endswith(".geojson"):
        return len(json.loads(raw)["features"])
    if name.endswith(".parquet"):
        import io

        import pyarrow.parquet as pq

        return pq.ParquetFile(io.BytesIO(raw)).metadata.num_rows
    return None


def stage(staging: Path) -> dict:
    sources = yaml.safe_load((DATA / "sources.yaml").read_text())
    manifest = {"sources": {}, "files": []}
    for source, meta in sources.items():
        src_dir = staging / source
        if not src_dir.is_dir():
            raise SystemExit(f"staging folder {src_dir} not found: pass --staging pointing at shared/data-staging")
        dest_dir = DATA / "raw" / source
        dest_dir.mkdir(parents=True, exist_ok=True)
        provenance = (src_dir / "PROVENANCE.md").read_bytes()
        if meta.get("notes"):
            # How the workbook reads the source (year labels, code mappings) is kept beside the publisher's facts.
            provenance = provenance.rstrip(b"\n") + b"\n\n## Notes added by the workbook\n\n" + \
                meta["notes"].strip().encode() + b"\n"
        (dest_dir / "PROVENANCE.md").write_bytes(provenance)
        manifest["sources"][source] = {k: v for k, v in meta.items() if k not in ("files", "notes")}
        for name in meta["files"]:
            raw = (src_dir / name).read_bytes()
            packed = _gzip_bytes(raw)
            (dest_dir / f"{name}.gz").write_bytes(packed)
            manifest["files"].append(
                {
                    "path": f"raw/{source}/{name}.gz",
                    "source": source,
                    "original_name": name,
                    "sha256": hashlib.sha256(packed).hexdigest(),
                    "sha256_original": hashlib.sha256(raw).hexdigest(),
                    "bytes": len(packed),
                    "bytes_original": len(raw),
                    "rows": _count_rows(raw, name),
                }
            )
    (DATA / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--staging", type=Path, default=ROOT.parent / "shared" / "data-staging")
    args = parser.parse_args(argv)
    manifest = stage(args.staging)
    total = sum(f["bytes"] for f in manifest["files"])
    print(f"staged {len(manifest['files'])} files from {len(manifest['sources'])} sources, {total / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
