"""The fetched-data manifest, ``data/fetched/manifest.json``: which files ``nbutils data fetch`` left current.

The one reader of that file: the fetcher (which writes it), the store build (which reads the files it names)
and the pages (which say when an indicator was fetched) all call :func:`load`.
"""

from __future__ import annotations

import json
from pathlib import Path

from .. import paths


def folder() -> Path:
    """``data/fetched/``: fetched files and their manifest."""
    return paths.data_dir() / "fetched"


def path() -> Path:
    return folder() / "manifest.json"


def load() -> dict:
    """The manifest, or an empty one ``{"indicators": {}}`` (nothing fetched yet, or an unreadable file)."""
    try:
        manifest = json.loads(path().read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError, UnicodeDecodeError, RecursionError):
        return {"indicators": {}}
    if not isinstance(manifest, dict) or not isinstance(manifest.get("indicators"), dict):
        return {"indicators": {}}
    return manifest
