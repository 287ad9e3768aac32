"""Where an authority's own data live (``data/local/<dataset>/``) and the sha256 of their files.

Standard library only: the store's "is it current?" check hashes these files on every command, and must not import
pandas to do so. Reading and validating the files is :mod:`nbutils.local_data`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from . import paths


def local_dir() -> Path:
    """``data/local/`` in the project (each sub-folder is one dataset)."""
    return paths.data_dir() / "local"


def dataset_folders(root: Path | None = None) -> list[Path]:
    """The dataset folders under ``root`` (default ``data/local/``), sorted; hidden folders are ignored."""
    root = local_dir() if root is None else root
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def file_hashes(root: Path | None = None) -> dict[str, str]:
    """sha256 of every file in every dataset folder, keyed by path relative to ``root``.

    Part of the store fingerprint: adding, changing or removing a local file rebuilds the store and reruns
    the packs.
    """
    root = local_dir() if root is None else root
    hashes = {}
    for folder in dataset_folders(root):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and not path.name.startswith("."):
                hashes[path.relative_to(root).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()
    return hashes
