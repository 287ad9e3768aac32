"""What killed runs leave behind, removed at the next start: kernel sockets and connection files in the temporary
folder (a kernel killed with SIGKILL cannot remove its own).

Every kernel the runner starts names its files ``<tmp>/nbu-<16 hex>-<port>`` (IPC sockets) and
``<tmp>/nbu-<16 hex>.json`` (connection file). A set of them is left over when no process has the connection file
on its command line and none of the sockets is bound; files younger than :data:`YOUNG` seconds are never touched
(a kernel may be starting in another run). Without ``/proc`` (not Linux) only sets older than a day are removed.
"""

from __future__ import annotations

import os
import re
import tempfile
import time
from pathlib import Path

#: Seconds during which a kernel's files are left alone whatever the checks say (it may be starting).
YOUNG = 60.0
#: Where the checks cannot be made, sets older than this many seconds are left over.
OLD = 86400.0
KERNEL_FILE = re.compile(r"(nbu-[0-9a-f]{16})(?:-\d+|\.json)")


def kernel_files(folder: Path | None = None) -> dict[str, list[Path]]:
    """The runner's kernel files in ``folder`` (default: the temporary folder), by kernel."""
    folder = Path(folder or tempfile.gettempdir())
    found: dict[str, list[Path]] = {}
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return found
    for entry in entries:
        match = KERNEL_FILE.fullmatch(entry.name)
        if match:
            found.setdefault(match.group(1), []).append(folder / entry.name)
    return found


def _bound_sockets() -> set[str] | None:
    try:
        with open("/proc/net/unix", encoding="utf-8", errors="replace") as table:
            return {line.split()[-1] for line in table if line.count(" ") >= 7 and "/" in line}
    except OSError:
        return None


def _command_lines() -> str | None:
    if not os.path.isdir("/proc/self"):
        return None
    lines = []
    for pid in (p for p in os.listdir("/proc") if p.isdigit()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as handle:
                lines.append(handle.read().replace(b"\0", b" ").decode(errors="replace"))
        except OSError:
            pass  # gone, or not ours to read
    return "\n".join(lines)


def remove_kernel_leftovers(folder: Path | None = None, now: float | None = None) -> int:
    """Remove the files of kernels that are gone; return how many files were removed."""
    groups = kernel_files(folder)
    if not groups:
        return 0
    now = time.time() if now is None else now
    bound, commands = _bound_sockets(), _command_lines()
    removed = 0
    for prefix, files in groups.items():
        try:
            newest = max(path.lstat().st_mtime for path in files)
        except OSError:
            continue
        if now - newest < YOUNG:
            continue
        if bound is None or commands is None:
            if now - newest < OLD:
                continue
        elif any(str(path) in bound for path in files) or prefix in commands:
            continue
        for path in files:
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed
