"""Benchmark: the size of one area's pack and of each standalone map, against the email-friendly targets.

    python benchmarks/bench_pack_size.py                 # builds Swale (every topic) in a temporary folder
    python benchmarks/bench_pack_size.py --pack outputs/E07000113-swale

Targets: a whole pack (pages, tables, maps) at most 5 MB; a standalone map at most 1 MB. The executed notebooks
(kept for debugging, not circulated) are reported separately.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

PACK_TARGET = 5_000_000
MAP_TARGET = 1_000_000


def measure(folder: Path) -> dict:
    files = [p for p in folder.rglob("*") if p.is_file() and not p.name.startswith(".")]
    circulated = [p for p in files if p.suffix != ".ipynb"]
    maps = [p for p in files if p.parent != folder and p.name.startswith("map_") and p.suffix == ".html"]
    return {
        "pack_bytes": sum(p.stat().st_size for p in circulated),
        "notebook_bytes": sum(p.stat().st_size for p in files if p.suffix == ".ipynb"),
        "pages": {p.name: p.stat().st_size for p in sorted(folder.glob("*.html"))},
        "maps": {str(p.relative_to(folder)): p.stat().st_size for p in sorted(maps)},
    }


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, help="an existing area folder (default: build Swale now)")
    args = parser.parse_args(argv)
    folder = args.pack
    if folder is None:
        from nbutils import runner
        from nbutils.areas import resolve

        out = Path(tempfile.mkdtemp(prefix="nbutils-size-"))
        area = resolve("Swale")
        runner.run([area], runner.available_topics(), out, progress=runner.PlainProgress(lambda _: None))
        folder = out / area.folder
    sizes = measure(folder)
    print(f"pack {folder.name}: {sizes['pack_bytes'] / 1e6:.2f} MB "
          f"({sizes['pack_bytes'] / PACK_TARGET:.2f}x of the 5 MB target; executed notebooks, not circulated: "
          f"{sizes['notebook_bytes'] / 1e6:.2f} MB)")
    for name, size in sizes["pages"].items():
        print(f"  page {name:<22} {size / 1e3:8.0f} kB")
    largest = max(sizes["maps"].values(), default=0)
    for name, size in sizes["maps"].items():
        print(f"  map  {name:<45} {size / 1e3:8.0f} kB")
    print(f"largest standalone map: {largest / 1e6:.2f} MB ({largest / MAP_TARGET:.2f}x of the 1 MB target)")
    return 0 if sizes["pack_bytes"] <= PACK_TARGET and largest <= MAP_TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
