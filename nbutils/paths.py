"""Where the workbook's data, parameters and notebooks live.

Everything is found relative to the project folder (the parent of this package), so an editable install, a
notebook opened in JupyterLab and the runner all see the same files. ``NBUTILS_HOME`` overrides the project folder
(tests use it to work on a copy); ``NBUTILS_STORE`` moves only the built store.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path


def _is_project(folder: Path) -> bool:
    return (folder / "notebooks").is_dir() and (folder / "data" / "manifest.json").is_file()


def project_root() -> Path:
    """Return the project folder (holding data/, notebooks/, parameters/).

    In order: ``NBUTILS_HOME``; the checkout the package lives in (an editable install); else, for a package
    installed from a wheel, the working folder or the nearest parent of it that is a project folder.
    """
    override = os.environ.get("NBUTILS_HOME")
    if override:  # a relative one is taken from the working folder, which can change
        return _resolved(override) if os.path.isabs(override) else Path(override).resolve()
    checkout = _checkout()
    if checkout is not None:
        return checkout
    here = Path.cwd().resolve()
    return next((folder for folder in (here, *here.parents) if _is_project(folder)), _package_parent())


# Found once per process: the data's paths are asked for on every read of the store, and resolving a path asks the
# file system each time (about 1% of a notebook's time).
@functools.lru_cache(maxsize=8)
def _resolved(folder: str) -> Path:
    return Path(folder).resolve()


@functools.lru_cache(maxsize=1)
def _package_parent() -> Path:
    return Path(__file__).resolve().parents[1]


@functools.lru_cache(maxsize=1)
def _checkout() -> Path | None:
    """The checkout the package lives in, if it is a project folder (an editable install)."""
    return _package_parent() if _is_project(_package_parent()) else None


def data_dir() -> Path:
    return project_root() / "data"


def raw_dir() -> Path:
    return data_dir() / "raw"


def manifest_path() -> Path:
    return data_dir() / "manifest.json"


def store_dir() -> Path:
    override = os.environ.get("NBUTILS_STORE")
    if override:
        return _resolved(override) if os.path.isabs(override) else Path(override).resolve()
    return data_dir() / "store"


def notebooks_dir() -> Path:
    return project_root() / "notebooks"


def parameters_dir() -> Path:
    return project_root() / "parameters"


def default_output_dir() -> Path:
    return project_root() / "outputs"


#: The project's source folders, which no output may be written into (the CLI's ``--out`` and ``pack.save``).
SOURCE_FOLDERS = ("data", "notebooks", "parameters", "nbutils")


def source_folder_holding(folder: Path) -> str | None:
    """'notebooks/' (etc.) if ``folder`` is, or is inside, one of the project's source folders; 'the project
    folder itself' if it is the project folder; None if it is safe to write into."""
    folder = Path(folder).expanduser().resolve()
    root = project_root()
    for name in SOURCE_FOLDERS:
        guarded = root / name
        if folder == guarded or guarded in folder.parents:
            return f"the project's {name}/ folder"
    return "the project folder itself" if folder == root else None
