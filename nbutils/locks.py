"""Locks between processes: one implementation, on the maintained cross-platform ``filelock`` package.

Used for the store build, ``data fetch`` and the output folder of a run. A lock belongs to the process that took
it: the runner starts its workers fresh (``spawn``), so no worker or kernel ever inherits one, and the operating
system releases it when the holder dies, however it dies.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock, Timeout


class LockBusy(Exception):
    """Another process holds the lock (raised only when not waiting)."""

    def __init__(self, path: Path, holder: str) -> None:
        super().__init__(f"{path} is held by {holder}")
        self.path = path
        self.holder = holder


@contextlib.contextmanager
def exclusive(path: Path, wait: bool = True) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` for the block.

    Parameters
    ----------
    path : the lock file (created, with its folder, if missing; left in place afterwards).
    wait : wait for the holder to finish; when False raise :class:`LockBusy` at once instead.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    owner = path.with_name(path.name + ".owner")
    lock = FileLock(str(path), timeout=-1 if wait else 0, thread_local=False)
    try:
        lock.acquire()
    except Timeout:
        raise LockBusy(path, _holder(owner)) from None
    try:
        # Who holds it, for the message another process shows (the lock file itself is the lock's business).
        with contextlib.suppress(OSError):
            owner.write_text(f"pid {os.getpid()}", encoding="utf-8")
        yield
    finally:
        lock.release()


def _holder(owner: Path) -> str:
    try:
        return owner.read_text(encoding="utf-8").strip() or "another process"
    except (OSError, UnicodeDecodeError):
        return "another process"
