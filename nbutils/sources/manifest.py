"""The raw-data manifest: what each file in data/raw/ is, where it came from, and its sha256."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .. import paths
from ..errors import DataError


@dataclass(frozen=True)
class FileCheck:
    """Result of checking one raw file against the manifest."""

    path: str
    status: str  # "ok", "missing" or "changed"
    expected: str
    actual: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def describe(self) -> str:
        if self.status == "missing":
            return f"MISSING  data/{self.path}: restore it with `git checkout -- data/{self.path}`"
        if self.status == "changed":
            return (
                f"CHANGED  data/{self.path}: sha256 {self.actual[:12]}... but the manifest expects "
                f"{self.expected[:12]}...; restore the file, or restage it with tools/stage_data.py"
            )
        return f"ok       data/{self.path}"


def load_manifest() -> dict:
    """Read data/manifest.json."""
    path = paths.manifest_path()
    restore = "restore it with `git checkout -- data/manifest.json`"
    if not path.exists():
        raise DataError(f"{path} is missing: {restore}")
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError:
        raise DataError(f"{path} is not UTF-8 text: {restore}") from None
    except json.JSONDecodeError as error:
        raise DataError(f"{path} is not valid JSON (line {error.lineno}, column {error.colno}): {restore}") from None
    files = manifest.get("files") if isinstance(manifest, dict) else None
    if not isinstance(files, list) or not isinstance(manifest.get("sources"), dict) \
            or not all(isinstance(f, dict) and {"path", "sha256"} <= f.keys() for f in files):
        raise DataError(f"{path} lacks its 'files' list (path and sha256 of each raw file) or its 'sources': {restore}")
    return manifest


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def verify(manifest: dict | None = None) -> list[FileCheck]:
    """Check every raw file named in the manifest; return one result per file."""
    manifest = manifest or load_manifest()
    results = []
    for entry in manifest["files"]:
        path = paths.data_dir() / entry["path"]
        if not path.exists():
            results.append(FileCheck(entry["path"], "missing", entry["sha256"]))
            continue
        actual = sha256_file(path)
        status = "ok" if actual == entry["sha256"] else "changed"
        results.append(FileCheck(entry["path"], status, entry["sha256"], actual))
    return results


def require_valid(manifest: dict | None = None) -> list[FileCheck]:
    """Verify the raw files and raise DataError naming the first problem file(s)."""
    results = verify(manifest)
    bad = [r for r in results if not r.ok]
    if bad:
        detail = "; ".join(r.describe() for r in bad[:3])
        more = f" (and {len(bad) - 3} more)" if len(bad) > 3 else ""
        raise DataError(f"raw data check failed: {detail}{more}. Run `nbutils data verify` for the full list.")
    return results


def raw_file(source: str, name: str) -> Path:
    """Path of a raw file, by source folder and original file name."""
    path = paths.raw_dir() / source / f"{name}.gz"
    if not path.exists():
        raise DataError(f"raw file data/raw/{source}/{name}.gz is missing: restore it with git checkout")
    return path


