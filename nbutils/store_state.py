"""Is the data store current? Its build record and its area registry index, with the standard library only.

Building the store and reading its tables needs pandas (:mod:`nbutils.store`); knowing whether it is current does
not. ``build.json`` records what the store was built from (:func:`fingerprint`) and the sha256 of each file it
wrote, and :func:`current` compares both. The area registry (:class:`nbutils.areas.Registry`) is read from
``registry.json``, a small index of the areas table (every area but MSOAs) and the 2023 predecessors, written by
the build beside the tables and hashed like them. So a command that runs no notebook (``nbutils areas``, an up to
date ``nbutils run``) imports no pandas; only a missing or stale store is built, by :func:`nbutils.store.build`.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from . import __version__, local_files, paths
from .errors import DataError
from .fingerprint import code_sha256
from .sources import fetched_manifest
from .sources.manifest import load_manifest, require_valid

BUILD_RECORD = "build.json"
REGISTRY_INDEX = "registry.json"
#: Columns of the areas table kept in the registry index: those an :class:`~nbutils.areas.Area` is made from.
AREA_FIELDS = ("area_code", "area_name", "area_type", "lad_kind", "upper_tier_code", "region_code")
#: Columns of the predecessors table kept in the registry index.
PREDECESSOR_FIELDS = ("lad22_code", "lad22_name", "lad_code")

_PACKAGE = Path(__file__).parent


def fingerprint(manifest: dict) -> dict:
    """What the store was built from: raw hashes, package version and the build code itself."""
    here = _PACKAGE
    code = code_sha256([here / "store.py", here / "store_local.py", here / "store_state.py", here / "local_data.py",
                        here / "local_files.py", here / "local_csv.py",
                        *(here / "sources").glob("*.py"), *(here / "build").glob("*.py")], here)
    fetched = fetched_manifest.path()
    return {
        "version": __version__,
        "code_sha256": code,
        "raw": {entry["path"]: entry["sha256"] for entry in manifest["files"]},
        # Data fetched by `nbutils data fetch`: a new fetch changes this, so the next run rebuilds the store.
        "fetched_sha256": hashlib.sha256(fetched.read_bytes()).hexdigest() if fetched.exists() else None,
        # An authority's own data/local/ files: a changed file rebuilds the store and reruns the packs.
        "local": local_files.file_hashes(),
    }


def inputs() -> dict:
    """The fingerprint of the store's inputs as they are now, once every raw file is checked against the manifest.

    Raises
    ------
    DataError
        Naming a missing or altered raw file (or an unreadable data/manifest.json).
    """
    manifest = load_manifest()
    found = fingerprint(manifest)
    # Every check hashes the raw files (a few tens of milliseconds): a missing or altered file is reported
    # by name instead of silently serving a store built from other data.
    require_valid(manifest)
    return found


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def current(store: Path, inputs_now: dict) -> bool:
    """Built from these inputs, and every file still the one the build wrote (not truncated, altered or deleted)."""
    try:
        recorded = json.loads((store / BUILD_RECORD).read_text())
        files = recorded.pop("files")
        if recorded != inputs_now or REGISTRY_INDEX not in files:
            return False
        return all(sha256(store / name) == digest for name, digest in files.items())
    except (OSError, ValueError, KeyError, AttributeError, TypeError):
        return False


def remove_build_leftovers(store: Path | None = None) -> int:
    """Remove half-built stores (``.store-build-*``) and replaced ones (``.store-old-*``) that a killed build left
    beside the store; only when no build is running (the build lock is free). Returns how many were removed."""
    import shutil

    from . import locks

    store = Path(store or paths.store_dir())
    try:
        found = [p for p in store.parent.iterdir()
                 if p.is_dir() and p.name.startswith((".store-build-", ".store-old-"))]
    except OSError:
        return 0
    if not found:
        return 0
    try:
        with locks.exclusive(store.parent / ".store.lock", wait=False):  # the lock nbutils.store.build holds
            for folder in found:
                shutil.rmtree(folder, ignore_errors=True)
    except (locks.LockBusy, OSError):
        return 0  # a build is running (its folder is not a leftover), or the folder is not ours to change
    return len(found)


def check_archives(manifest: dict | None = None) -> None:
    """Read every compressed raw file to its end, before a build: one that is cut short or damaged (even with its
    hash updated in the manifest) is named, with what to do, instead of failing deep inside the build.

    Raises
    ------
    DataError
        Naming the damaged file.
    """
    import gzip
    import zlib

    manifest = manifest or load_manifest()
    for entry in manifest.get("files", []):
        if not str(entry.get("path", "")).endswith(".gz"):
            continue
        path = paths.data_dir() / entry["path"]
        try:
            with gzip.open(path, "rb") as stream:
                while stream.read(1 << 20):
                    pass
        except FileNotFoundError:
            continue  # named by the hash check
        except (OSError, EOFError, zlib.error) as error:
            raise DataError(f"{path}: the compressed file is damaged or cut short ({error}); restore it with "
                            f"`git checkout -- data/{entry['path']}` or download it again as its source's "
                            "PROVENANCE.md says, and put its sha256 back in data/manifest.json") from None


_checked: set[Path] = set()


def current_store() -> Path | None:
    """The store folder if it is current, else None (checked once per process; standard library only).

    Building is the store's job (:func:`nbutils.store.ensure`): callers that must not import pandas for a current
    store write ``store_state.current_store() or store.ensure()``.
    """
    folder = paths.store_dir()
    if folder in _checked:
        return folder
    remove_build_leftovers(folder)
    if current(folder, inputs()):
        _checked.add(folder)
        return folder
    return None


def mark_current(folder: Path) -> None:
    """Record that ``folder`` was (re)built in this process, so it is not checked again."""
    _checked.add(folder)


def write_registry_index(folder: Path, areas, predecessors) -> Path:
    """Write ``registry.json`` into ``folder`` from the areas and predecessors tables (data frames).

    Every area but MSOAs, with :data:`AREA_FIELDS`; every predecessor, with :data:`PREDECESSOR_FIELDS`. A missing
    value (NaN) is written as null.
    """
    def records(frame, fields):
        return [{f: (row[f] if isinstance(row[f], str) else None) for f in fields}
                for row in frame[list(fields)].to_dict("records")]

    index = {"areas": [r for r in records(areas, AREA_FIELDS) if r["area_type"] != "msoa"],
             "predecessors": records(predecessors, PREDECESSOR_FIELDS)}
    path = folder / REGISTRY_INDEX
    path.write_text(json.dumps(index, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return path


def registry_index(folder: Path) -> dict[str, list[dict]]:
    """The registry index of the store in ``folder``: ``{"areas": [...], "predecessors": [...]}``, lists of records."""
    try:
        index = json.loads((folder / REGISTRY_INDEX).read_text(encoding="utf-8"))
        if not all(set(AREA_FIELDS) <= r.keys() for r in index["areas"]) \
                or not all(set(PREDECESSOR_FIELDS) <= r.keys() for r in index["predecessors"]):
            raise ValueError("missing fields")
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        raise DataError(f"the data store's {REGISTRY_INDEX} is unreadable: rebuild the store with "
                        "`nbutils data build --force`") from None
    return index
