"""Notebooks executed in the worker's own process: the kernel's shell and messages, without a kernel process.

Through a kernel, every cell and every output is a message serialised, sent over a socket by a thread, received and
parsed in another process: about a sixth of an area's time (benchmarks/RESULTS.md). An :class:`InProcessKernel`
keeps everything that shapes an output and drops only the transport:

- the shell is ipykernel's own ``ZMQInteractiveShell``, with its display publisher, display hook, tracebacks and
  cell compiler, and the inline backend set as ipykernel sets it;
- each message the shell sends is serialised and parsed again by the kernel's session, exactly as a kernel client
  receives it, and nbclient builds the cell's outputs from it as it does from a kernel (the executed notebooks
  and pages are byte for byte a kernel's: ``tests/test_inprocess.py``);
- between notebooks the state is reset by :mod:`nbutils.runner.isolation`, as a warm kernel's is.

(ipykernel's own ``ipykernel.inprocess`` kernel is a whole kernel in the process: it still sends every message
through its IOPub thread and a socket, which is most of what this saves.)

What differs is what a notebook can take down with it, so the local pool's workers use it (each worker runs one
notebook at a time in its main thread) and Dask's threads keep a kernel each. Past ``--timeout`` the cell is
stopped by a signal; a crash takes the worker, which the pool reports and replaces; after a failure, after
``recycle_after`` notebooks or past ``max_rss_mb`` the worker itself is replaced (:attr:`InProcessKernel.worn`).

Nothing here runs on import; importing this module changes no global state.
"""

from __future__ import annotations

import asyncio
import builtins
import collections
import getpass
import io
import os
import queue
import signal
import sys
import threading
import time

from . import isolation
from .kernels import MAX_RSS_MB, RECYCLE_AFTER, KernelStartError

#: The inline backend, as ipykernel makes it the default (lower priority than anything the user set).
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"
#: Seconds after which a kernel's stream sends what has been written, even with no display or cell end.
STREAM_FLUSH_INTERVAL = 0.2
TIMEOUT_MESSAGE = "the notebook ran past its time (--timeout) and was stopped"


class NotebookTimeout(KeyboardInterrupt):
    """Raised in the notebook's cell when it runs past ``--timeout``: shown as an interrupted cell, as a kernel's
    interrupt shows it, and never caught by the notebook's own ``except Exception``."""


def use_inline_backend() -> None:
    """Make the inline backend matplotlib's default for this process, as ipykernel does for a kernel (call it
    before matplotlib is imported)."""
    if not os.environ.get("MPLBACKEND"):
        os.environ["MPLBACKEND"] = INLINE_BACKEND


class _Channel:
    """Messages for the client, in the order the shell sent them; all of a cell's are there once it has run."""

    def __init__(self) -> None:
        self.messages: collections.deque = collections.deque()

    def get_msg(self, timeout: float | None = None) -> dict:
        if not self.messages:
            raise queue.Empty  # nothing is ever on its way: the cell has finished when execute returns
        return self.messages.popleft()


class _Client:
    """The part of a kernel client that nbclient uses; ``execute`` runs the cell before it returns."""

    def __init__(self, kernel: InProcessKernel) -> None:
        self.kernel = kernel
        self.shell_channel = _Channel()
        self.iopub_channel = _Channel()
        self.allow_stdin = False

    def is_alive(self) -> bool:
        return not self.kernel.exited

    def execute(self, code: str, silent: bool = False, store_history: bool = True, user_expressions=None,
                allow_stdin=None, stop_on_error: bool = True) -> str:
        request = self.kernel.session.msg("execute_request", {
            "code": code, "silent": silent, "store_history": store_history,
            "user_expressions": user_expressions or {}, "allow_stdin": False, "stop_on_error": stop_on_error})
        self.kernel.execute_request(request)
        return request["header"]["msg_id"]

    def kernel_info(self) -> str:
        request = self.kernel.session.msg("kernel_info_request", {})
        self.kernel.kernel_info_request(request)
        return request["header"]["msg_id"]


def _capturing_session(deliver):
    """A kernel session whose ``send`` hands each message to ``deliver`` instead of a socket."""
    from jupyter_client.session import Session

    class CapturingSession(Session):
        def send(self, stream, msg_or_type, content=None, parent=None, ident=None, buffers=None, track=False,
                 header=None, metadata=None):
            if isinstance(msg_or_type, dict):
                msg = msg_or_type
            else:
                msg = self.msg(msg_or_type, content=content, parent=parent, header=header, metadata=metadata)
            deliver(msg)
            return msg

    return CapturingSession(key=b"")


class _OutStream(io.TextIOBase):
    """A kernel's stdout or stderr: text written during a cell is sent as stream messages (before each display, at
    the cell's end, and after :data:`STREAM_FLUSH_INTERVAL` as ipykernel's own stream does); text written outside a
    cell (the runner's own steps) is dropped, as a kernel's is."""

    def __init__(self, kernel: InProcessKernel, name: str, original) -> None:
        super().__init__()
        self.kernel, self.name, self.original = kernel, name, original
        self._pending: list[str] = []
        self._since = 0.0

    @property
    def encoding(self) -> str:
        return "UTF-8"

    def writable(self) -> bool:
        return True

    def isatty(self) -> bool:
        return False

    def fileno(self) -> int:
        return self.original.fileno()

    def write(self, text: str) -> int:
        if not isinstance(text, str):
            raise TypeError(f"write() argument must be str, not {type(text).__name__}")
        if self.kernel.parent is None:  # as a kernel's: what is written outside a notebook's cell reaches no one
            return len(text)
        now = time.monotonic()
        if self._pending and now - self._since > STREAM_FLUSH_INTERVAL:
            self.flush()  # a kernel's stream would have sent it by now, before this text
        if not self._pending:
            self._since = now
        self._pending.append(text)
        return len(text)

    def flush(self) -> None:
        if not self._pending:
            return
        text, self._pending = "".join(self._pending), []
        self.kernel.session.send(None, "stream", {"name": self.name, "text": text}, parent=self.kernel.parent)


class InProcessKernel:
    """The shell of a kernel in this process, with the interface of a :class:`~nbutils.runner.kernels.WarmKernel`
    (see the module docstring). One per process: IPython's shell is a singleton.

    Parameters
    ----------
    modules : modules imported once, before the first notebook (those the notebooks import).
    recycle_after : notebooks executed before the worker is replaced.
    max_rss_mb : resident memory past which the worker is replaced after the notebook that passed it.
    """

    km = None  # nbclient is given no kernel manager: there is no kernel process to start, stop or interrupt
    group = None
    eventloop = None  # read by the shell when a notebook asks to exit

    def __init__(self, modules: list[str] | None = None, recycle_after: int = RECYCLE_AFTER,
                 max_rss_mb: float = MAX_RSS_MB) -> None:
        self.modules = list(modules or [])
        self.folder = None  # the notebooks' folder this kernel serves (set by its owner)
        self.recycle_after = recycle_after
        self.max_rss_mb = max_rss_mb
        self.loop = asyncio.new_event_loop()
        self.session = _capturing_session(self._deliver)
        self.kc = _Client(self)
        self.shell = None
        self.parent: dict | None = None  # the request being executed
        self.executed = 0
        self.rss_mb = 0.0
        self.failed = False
        self.expired = False  # the notebook running now is past its time
        self.language_info: dict | None = None
        self._home = os.getcwd()  # the worker's own folder, given back after each notebook
        self._main = threading.main_thread().ident
        self._running = False

    # ----------------------------------------------------------------------------------- the runner's side

    @property
    def exited(self) -> bool:
        return bool(self.shell is not None and self.shell.exit_now)

    @property
    def worn(self) -> bool:
        """True when the worker should be replaced before its next notebook."""
        return self.failed or self.executed >= self.recycle_after or self.rss_mb > self.max_rss_mb

    def run(self, awaitable):
        """Run a coroutine on this kernel's event loop, to completion."""
        return self.loop.run_until_complete(awaitable)

    def prepare(self, cwd: str) -> None:
        """Make the shell ready for the next notebook: started if needed, then reset to a fresh kernel's state."""
        if self.worn:
            raise KernelStartError("this worker is due to be replaced and runs no more notebooks")
        if self.shell is None:
            try:
                self._start()
            except Exception:
                self.failed = True
                raise
        self.expired = False
        with self.shell.builtin_trap:  # as in a kernel, where the runner's code runs as a (silent) cell
            isolation.reset(cwd)
        self.rss_mb = isolation.rss_bytes() / 1e6

    def finished(self, ok: bool) -> None:
        """Count a notebook and give the worker its folder back; after a failure the worker is replaced."""
        self.executed += 1
        self.failed = self.failed or not ok or self.exited
        self.rss_mb = isolation.rss_bytes() / 1e6
        os.chdir(self._home)

    def expire(self) -> None:
        """Stop the notebook (called from another thread when it is past its time): the running cell is
        interrupted, and no further cell starts."""
        self.expired = True
        if self._running:
            signal.pthread_kill(self._main, signal.SIGALRM)

    def _interrupt(self, signum, frame) -> None:
        if self._running:  # a signal that arrives between cells is left to the next cell's start
            raise NotebookTimeout(TIMEOUT_MESSAGE)

    def reads(self) -> list[str]:
        """What the notebook just executed read from the store (the record starts afresh)."""
        from ..store import take_reads

        return list(take_reads())

    def stop(self) -> None:
        """Nothing to stop: the shell lives as long as the worker."""

    def close(self) -> None:
        self.loop.close()

    def _start(self) -> None:
        if threading.get_ident() != self._main:
            raise KernelStartError("an in-process kernel runs notebooks in its process's main thread only")
        from ipykernel.compiler import XCachingCompiler
        from ipykernel.zmqshell import ZMQInteractiveShell
        from traitlets.config import Config

        use_inline_backend()
        if "" not in sys.path:  # as IPython's kernel application puts the working folder first
            sys.path.insert(0, "")
        config = Config()
        config.HistoryManager.enabled = False  # as the batch kernels run (nbutils.runner.kernels)
        shell = ZMQInteractiveShell.instance(config=config, kernel=self, compiler_class=XCachingCompiler)
        for hook in (shell.displayhook, shell.display_pub):
            hook.session, hook.pub_socket = self.session, None
        sys.stdout = _OutStream(self, "stdout", sys.stdout)
        sys.stderr = _OutStream(self, "stderr", sys.stderr)
        signal.signal(signal.SIGALRM, self._interrupt)
        self.shell = shell
        with shell.builtin_trap:  # libraries see the shell as they do in a kernel (pandas' display defaults)
            isolation.warm_up(self.modules)

    # ----------------------------------------------------------------------------------- the kernel's side

    def _deliver(self, msg: dict) -> None:
        """Hand a message to the client as a kernel client would receive it: serialised and parsed again."""
        wire = self.session.serialize(msg)
        received = self.session.deserialize(wire[wire.index(b"<IDS|MSG>") + 1:])
        channel = self.kc.shell_channel if received["msg_type"].endswith("_reply") else self.kc.iopub_channel
        channel.messages.append(received)

    def _status(self, state: str, parent: dict) -> None:
        self.session.send(None, "status", {"execution_state": state}, parent=parent)

    def kernel_info_request(self, request: dict) -> None:
        from ipykernel.ipkernel import IPythonKernel

        self._status("busy", request)
        self.session.send(None, "kernel_info_reply", {
            "status": "ok", "implementation": "ipython", "language_info": IPythonKernel.language_info,
        }, parent=request)
        self._status("idle", request)

    def execute_request(self, request: dict) -> None:
        """Execute a cell as ipykernel's ``execute_request`` and ``do_execute`` do, in this thread."""
        from jupyter_client.session import utcnow

        if self.expired:
            raise NotebookTimeout(TIMEOUT_MESSAGE)
        if self.exited:  # the notebook called exit(): a kernel would have shut down after that cell
            from nbclient.exceptions import DeadKernelError

            raise DeadKernelError("Kernel died")
        shell, content = self.shell, request["content"]
        silent, store_history = content["silent"], content["store_history"]
        started = utcnow()
        self._status("busy", request)
        if not silent:
            self.session.send(None, "execute_input", {"code": content["code"], "execution_count":
                                                      shell.execution_count}, parent=request)
        self.parent = request
        shell.set_parent(request)
        builtin_input, getpass_getpass = builtins.input, getpass.getpass
        builtins.input = getpass.getpass = _no_stdin
        self._running = True
        try:
            result = shell.run_cell(content["code"], store_history=store_history, silent=silent)
        finally:
            self._running = False
            builtins.input, getpass.getpass = builtin_input, getpass_getpass
            sys.stdout.flush()
            sys.stderr.flush()
            self.parent = None
        failed_display = getattr(shell, "_last_traceback_during_displayhook", False)
        reply = {"status": "ok" if result.success and not failed_display else "error"}
        if reply["status"] == "error":
            error = result.error_before_exec if result.error_before_exec is not None else result.error_in_exec
            reply.update({"traceback": shell._last_traceback or [], "ename": type(error).__name__,
                          "evalue": str(error)})
        reply["execution_count"] = shell.execution_count - 1
        reply["user_expressions"] = (shell.user_expressions(content["user_expressions"])
                                     if reply["status"] == "ok" else {})
        reply["payload"] = shell.payload_manager.read_payload()
        shell.payload_manager.clear_payload()
        self.session.send(None, "execute_reply", reply, parent=request,
                          metadata={"started": started, "dependencies_met": True, "status": reply["status"]})
        self._status("idle", request)


def _no_stdin(prompt: str = "", *args, **kwargs) -> str:
    """``input`` and ``getpass`` in a notebook, as a kernel without a frontend's stdin answers them."""
    from IPython.core.error import StdinNotImplementedError

    raise StdinNotImplementedError("raw_input was called, but this frontend does not support input requests.")
