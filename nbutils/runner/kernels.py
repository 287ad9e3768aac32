"""Kernels for the runner: always this Python, stopped by process group, and kept warm between notebooks.

A :class:`WarmKernel` is started once per thread of a Dask worker (local workers run notebooks in themselves:
:mod:`nbutils.runner.inprocess`), imports the package once, then
executes notebook after notebook, each after :func:`nbutils.runner.isolation.reset` has given it a fresh kernel's
state. It is recycled (stopped, and a new one started for the next notebook) after ``recycle_after`` notebooks,
after any failure or timeout, and when its resident memory passes ``max_rss_mb``.
"""

from __future__ import annotations

import ast
import asyncio
import contextlib
import json
import os
import signal
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default


#: Notebooks one kernel executes before it is replaced (bounds whatever a notebook might leave behind). Above the
#: 888 each of two kernels runs for England (296 areas x 6 topics), which a replacement would slow by its start-up
#: and its emptied caches; memory is bounded by MAX_RSS_MB whatever the count.
RECYCLE_AFTER = 1000
#: Resident memory (MB) past which a kernel is replaced before its next notebook.
MAX_RSS_MB = 2000

_ISOLATION = "__import__('nbutils.runner.isolation', fromlist=['isolation'])"
_TAKE_READS = "__import__('json').dumps(__import__('nbutils.store', fromlist=['store']).take_reads())"


class CurrentPythonKernelSpecManager(KernelSpecManager):
    """Every kernel name resolves to an ipykernel running under this interpreter.

    A stale user-level 'python3' kernelspec (pointing at another Python, or at one without nbutils) must not
    hijack a run, so registered kernelspecs are deliberately ignored.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            # No input history: a batch kernel's cells are the notebooks' own (kept in the executed copies), and
            # IPython's history database would get every cell of every area written to it, from a thread that
            # competes with the notebooks for the CPU (about 5% of a kernel's time). Streams that flush only what
            # was written (nbutils.runner.streams): the same outputs, without a wait before every output.
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}",
                  "--HistoryManager.enabled=False",
                  "--IPKernelApp.outstream_class=nbutils.runner.streams.BatchOutStream"],
            display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (nbutils)",
            language="python",
            resource_dir=str(Path(__file__).parent),
        )


class CurrentPythonKernelManager(AsyncKernelManager):
    """Kernel manager that always launches the interpreter running nbutils."""

    @default("transport")
    def _transport_default(self) -> str:
        # IPC sockets need no TCP ports, so parallel kernels cannot race for the same port.
        return "ipc"

    @default("ip")
    def _ip_default(self) -> str:
        # A unique socket-path prefix per kernel (the default 'kernel-ipc' would be shared by parallel kernels).
        return os.path.join(tempfile.gettempdir(), f"nbu-{uuid.uuid4().hex[:16]}")

    @default("connection_file")
    def _connection_file_default(self) -> str:
        # Beside the kernel's sockets, under the same name: a killed kernel's files are found and removed together
        # at the next start (see nbutils.runner.leftovers).
        return f"{self.ip}.json"

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return CurrentPythonKernelSpecManager(data_dir=self.data_dir)


def kernel_group(manager) -> int | None:
    """The process group (or pid) of a kernel manager's kernel."""
    provisioner = getattr(manager, "provisioner", None)
    return getattr(provisioner, "pgid", None) or getattr(provisioner, "pid", None)


def kill_kernels(groups) -> None:
    """SIGKILL each kernel process group (a kernel has nothing to save: every output is already collected)."""
    for group in list(groups):
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)
            else:  # pragma: no cover - Windows has no process groups here
                os.kill(group, signal.SIGTERM)


class KernelStartError(RuntimeError):
    """A kernel did not start or did not answer its start-up code."""


class WarmKernel:
    """One kernel executing many notebooks in turn, each in a clean namespace (see the module docstring).

    Owns its own event loop: the kernel client's sockets belong to it, so the kernel can be used from any one
    thread (a worker process's main thread, or a Dask worker's task thread) notebook after notebook.

    Parameters
    ----------
    modules : modules imported once at start-up (those the notebooks import).
    recycle_after : notebooks executed before the kernel is replaced.
    max_rss_mb : resident memory past which the kernel is replaced before the next notebook.
    """

    def __init__(self, modules: list[str] | None = None, recycle_after: int = RECYCLE_AFTER,
                 max_rss_mb: float = MAX_RSS_MB, start_timeout: float = 120) -> None:
        self.modules = list(modules or [])
        self.folder: Path | None = None  # the notebooks' folder this kernel serves (set by its owner)
        self.recycle_after = recycle_after
        self.max_rss_mb = max_rss_mb
        self.start_timeout = start_timeout
        self.loop = asyncio.new_event_loop()
        self.km: CurrentPythonKernelManager | None = None
        self.kc = None
        self.group: int | None = None
        self.executed = 0  # notebooks since this kernel started
        self.starts = 0  # kernels started over this object's life
        self.rss_mb = 0.0
        self.language_info: dict | None = None  # the running kernel's, asked for by its first notebook

    def run(self, awaitable):
        """Run a coroutine on this kernel's event loop, to completion."""
        return self.loop.run_until_complete(awaitable)

    def prepare(self, cwd: str) -> None:
        """Make the kernel ready for the next notebook: recycled if worn, started if needed, then reset.

        Raises
        ------
        KernelStartError
            when no kernel can be started (after one retry, for start-up races).
        """
        if self.km is not None and (self.executed >= self.recycle_after or self.rss_mb > self.max_rss_mb):
            self.stop()
        for attempt in (1, 2):
            try:
                if self.km is None:
                    self.run(self._start(cwd))
                self.run(self._reset(cwd))
                return
            except Exception as failure:  # a kernel that died or never answered: start another, once
                self.stop()
                if attempt == 2:
                    raise KernelStartError(f"{type(failure).__name__}: {failure}") from None

    def reads(self) -> list[str]:
        """What the notebook just executed read from the store (the record starts afresh), asked of the kernel
        without a trace in the notebook."""
        reply = self.run(self._silent("pass", timeout=60, user_expressions={"reads": _TAKE_READS}))
        return json.loads(ast.literal_eval(reply["content"]["user_expressions"]["reads"]["data"]["text/plain"]))

    def expire(self) -> None:
        """Kill the kernel (called from another thread when the notebook is past its time): the client sees a
        dead kernel within a second."""
        kill_kernels([self.group] if self.group else [])

    def finished(self, ok: bool) -> None:
        """Count a notebook; after a failure or timeout the kernel is replaced before the next one."""
        self.executed += 1
        if not ok:
            self.stop()

    async def _start(self, cwd: str) -> None:
        km = CurrentPythonKernelManager(kernel_name="python3")
        self.km = km
        await km.start_kernel(cwd=cwd)
        self.group = kernel_group(km)
        kc = km.client()
        kc.start_channels()
        self.kc = kc
        await kc.wait_for_ready(timeout=self.start_timeout)
        kc.allow_stdin = False
        self.starts += 1
        self.executed = 0
        await self._silent(f"{_ISOLATION}.warm_up({self.modules!r})", timeout=self.start_timeout)

    async def _reset(self, cwd: str) -> None:
        reply = await self._silent(f"{_ISOLATION}.reset({cwd!r})", timeout=60,
                                   user_expressions={"rss": f"{_ISOLATION}.rss_bytes()"})
        value = reply["content"].get("user_expressions", {}).get("rss", {}).get("data", {}).get("text/plain", "0")
        self.rss_mb = int(value) / 1e6 if value.isdigit() else 0.0

    async def _silent(self, code: str, timeout: float, user_expressions: dict | None = None) -> dict:
        """Execute runner code in the kernel without a trace in the notebook (no history, no count, no output)."""
        msg_id = self.kc.execute(code, silent=True, store_history=False, user_expressions=user_expressions or {})
        while True:
            reply = await self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        if reply["content"].get("status") != "ok":
            content = reply["content"]
            raise KernelStartError(f"{content.get('ename', 'error')}: {content.get('evalue', '')}")
        return reply

    def stop(self) -> None:
        """Stop the kernel now (its sockets and connection file removed); the next notebook starts a new one."""
        km, kc, group = self.km, self.kc, self.group
        self.km = self.kc = self.group = None
        self.rss_mb = 0.0
        self.language_info = None
        if kc is not None:
            with contextlib.suppress(Exception):
                kc.stop_channels()
        if km is not None:
            with contextlib.suppress(Exception):
                self.run(asyncio.wait_for(km.shutdown_kernel(now=True), 10))
        if group:
            kill_kernels([group])  # normally gone already; never leave one behind

    def close(self) -> None:
        """Stop the kernel and close the event loop (the object cannot be used afterwards)."""
        self.stop()
        with contextlib.suppress(Exception):
            self.loop.close()
