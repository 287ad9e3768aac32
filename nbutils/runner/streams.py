"""Runs inside a batch kernel: its stdout and stderr, flushed only when something was written.

ipykernel flushes stdout and stderr before every display output, every execute result and at the end of every
cell, so a stream's text is sent before what the cell shows next. Each flush from the notebook's thread asks the
kernel's IOPub thread to send the stream's buffer and waits for it, even when nothing has been written: about
0.25 ms of the kernel's time for each of an area's 190 outputs and 84 cells. :class:`BatchOutStream` (the
kernels' ``IPKernelApp.outstream_class``, see :mod:`nbutils.runner.kernels`) skips that round trip when nothing
has been written since its last flush, and otherwise flushes exactly as ipykernel does; the outputs and their
order are the same (``tests/test_warm.py``).

Nothing here runs on import; importing this module changes no global state.
"""

from __future__ import annotations

from ipykernel.iostream import OutStream


class BatchOutStream(OutStream):
    """ipykernel's output stream, whose flush does nothing when nothing was written since the last one.

    Text written from any thread (a C library's writes to the file descriptor reach :meth:`write` from
    ipykernel's pipe-watching thread) marks the stream as unflushed; a stream echoing to the terminal always
    flushes, as ipykernel's does.
    """

    def __init__(self, *args, **kwargs) -> None:
        self.unflushed = False  # set before ipykernel's set-up, which may write
        super().__init__(*args, **kwargs)

    def write(self, string: str) -> int | None:
        self.unflushed = True  # before the text is buffered, so a flush in another thread cannot miss it
        return super().write(string)

    def flush(self) -> None:
        if not self.unflushed and self.echo is None:
            return
        self.unflushed = False  # cleared before the flush: a write during it sets it again
        super().flush()
