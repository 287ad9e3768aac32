"""The address of a Dask scheduler given with ``--scheduler``, checked before anything runs (no Dask imported)."""

from __future__ import annotations

from ..errors import WorkbookError


def scheduler_address(value: str) -> tuple[str, int]:
    """The host and port of a ``--scheduler`` address such as ``tcp://host:8786`` (exit 2 via WorkbookError)."""
    from urllib.parse import urlparse

    try:
        parsed = urlparse(value if "://" in value else f"tcp://{value}")
        host, port = parsed.hostname, parsed.port  # .port raises ValueError when out of range or not a number
    except ValueError:
        host = port = None
        parsed = None
    if parsed is None or parsed.scheme not in ("tcp", "tls") or not host or not port:
        raise WorkbookError(f"--scheduler {value}: expected an address like tcp://host:8786 (a port from 1 to "
                            "65535)")
    return host, port
