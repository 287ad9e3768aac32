"""The cache of validated local data: a dataset already checked is not checked again.

Its checked rows are kept under ``data/cache/local-validated/``, keyed by the sha256 of its files, of the code and
catalogue that checked them and of the area codes they were checked against; a changed file, rule or registry
means checking again. A missing, damaged or unwritable cache only means checking again.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import pandas as pd

from . import paths
from .local_files import file_hashes


def folder() -> Path:
    return paths.data_dir() / "cache" / "local-validated"


def key(dataset: Path, area_codes) -> str:
    """The cache key of a dataset folder (sha256, hex)."""
    digest = hashlib.sha256()
    here = Path(__file__).resolve().parent
    for path in (here / "local_data.py", here / "local_csv.py", here / "local_cache.py", here / "catalog.yaml"):
        digest.update(path.read_bytes() if path.is_file() else b"")
    digest.update(",".join(sorted(area_codes)).encode())
    for relative, sha in sorted(file_hashes(dataset.parent).items()):
        if relative.split("/", 1)[0] == dataset.name:
            digest.update(f"{relative}={sha};".encode())
    return digest.hexdigest()


def read(name: str, key_: str) -> pd.DataFrame | None:
    """The checked rows of a dataset under this key, or None."""
    try:
        return pd.read_parquet(folder() / f"{name}-{key_[:32]}.parquet")
    except Exception:  # noqa: BLE001 - a missing or damaged cache entry only means validating again
        return None


def write(name: str, key_: str, rows: pd.DataFrame) -> None:
    """Keep a dataset's checked rows (replacing older entries of the same dataset); silent when it cannot."""
    where = folder()
    try:
        where.mkdir(parents=True, exist_ok=True)
        for old in where.glob(f"{name}-*.parquet"):
            old.unlink(missing_ok=True)
        temporary = where / f".{name}-{key_[:32]}.{os.getpid()}.tmp"
        rows.to_parquet(temporary, index=False)
        os.replace(temporary, where / f"{name}-{key_[:32]}.parquet")
    except OSError:
        pass  # a read-only project validates each time; nothing else changes
