"""Writing output files safely: to a temporary name in the same folder, then renamed when complete.

An interrupted run (Ctrl-C, a killed worker, a full disk) therefore never leaves half a page, table, map or
executed notebook under its real name. Every file the runner writes goes through :func:`atomic_write`.
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path
from typing import Callable

from . import paths
from .errors import WorkbookError

#: errno values that mean "the disk (or the user's quota) is full".
DISK_FULL = {errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC)}


class DiskFullError(OSError):
    """No space left where a file was being written; ``filename`` is the folder."""


def atomic_write(path: Path, write: Callable[[str], None]) -> None:
    """Call ``write(temporary_path)`` then move the result to ``path`` (readable by all, like a normal file).

    Raises
    ------
    DiskFullError
        when the disk or quota is full (nothing is left under ``path`` or the temporary name).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = None
    try:
        handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        os.close(handle)
        write(tmp)
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; packs are shared and served as ordinary files
        os.replace(tmp, path)
    except BaseException as error:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        if isinstance(error, OSError) and error.errno in DISK_FULL and not isinstance(error, DiskFullError):
            # The system's message names no file: say which folder needs space.
            raise DiskFullError(errno.ENOSPC, "no space left on device", str(path.parent)) from None
        raise


def atomic_write_text(path: Path, text: str) -> None:
    """Write ``text`` (UTF-8) to ``path`` atomically."""

    def write(tmp: str) -> None:
        with open(tmp, "w", encoding="utf-8") as handle:
            handle.write(text)

    atomic_write(path, write)


def output_folder(folder: str | os.PathLike, what: str) -> Path:
    """``folder`` as an absolute path (relative to the working directory), refusing the project's source folders."""
    if not str(folder).strip():
        raise WorkbookError(f"{what}: no folder given: name one, e.g. {what}(\"~/packs\")")
    target = Path(folder).expanduser().resolve()
    inside = paths.source_folder_holding(target)
    if inside:
        raise WorkbookError(f"{what}({str(folder)!r}) would write into {inside} (from {os.getcwd()}): "
                            f"give a folder outside the project, e.g. {what}(\"~/packs\"), or the project's "
                            f"outputs/ folder, {what}(\"{paths.default_output_dir()}\")")
    return target
