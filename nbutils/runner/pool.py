"""Worker processes on this machine, each holding one warm kernel, and the same tasks on a Dask cluster.

Local workers are started fresh (``spawn``): they inherit neither the output lock nor Ctrl-C (the runner handles
it), and they stop their kernels and exit as soon as the runner is gone, however it died. Each keeps its warm
kernel from one notebook to the next (see :mod:`nbutils.runner.kernels`); so does each thread of a Dask worker.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from ..errors import WorkbookError
from .kernels import LIVE_KERNELS, kill_kernels
from .manifest import Result


def execute_packed(args: tuple) -> Result:
    """Run one task ``(area, topic, out_dir, timeout, notebooks)`` on this thread's warm kernel; always report."""
    from .execute import execute_task

    area, topic, out_dir, timeout, notebooks = args
    try:
        return execute_task(area, topic, out_dir, timeout, notebooks)
    except Exception as failure:  # noqa: BLE001 - a worker must always report back
        return Result(area.code, area.name, area.folder, topic, "failed", 0.0, [], f"{type(failure).__name__}: {failure}")


def _worker_init(runner_pid: int) -> None:
    """Set up a worker process: Ctrl-C is the runner's to handle, and the worker dies with the runner."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if hasattr(signal, "pthread_sigmask"):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})  # blocked by the runner while spawning
    signal.signal(signal.SIGTERM, lambda signum, frame: _abandon())
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            # PR_SET_PDEATHSIG (1): the kernel sends SIGTERM to this worker the moment the runner dies.
            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)
    threading.Thread(target=_watch_runner, args=(runner_pid,), name="nbutils-watch-runner", daemon=True).start()


def _watch_runner(runner_pid: int) -> None:
    """Portable backstop for the death signal: exit once the runner is no longer this process's parent."""
    while os.getppid() == runner_pid:
        time.sleep(0.5)
    _abandon()


def _abandon() -> None:
    """Stop this worker's kernels and exit at once (the runner is gone or has cancelled the work)."""
    kill_kernels(LIVE_KERNELS)
    os._exit(1)


@contextlib.contextmanager
def _sigint_blocked():
    """Keep Ctrl-C pending while worker processes start, so none is interrupted before it can ignore it."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def run_local(todo: list[tuple], jobs: int, finished) -> None:
    """Run tasks in ``jobs`` worker processes; on Ctrl-C cancel what is queued and stop the workers."""
    context = multiprocessing.get_context("spawn")  # a forked worker would inherit the output lock
    with _sigint_blocked():
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                                   initializer=_worker_init, initargs=(os.getpid(),))
        pending = {pool.submit(execute_packed, task) for task in todo}
    try:
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                finished(future.result())
    except BaseException:
        _quiet_cancelled_futures()
        for future in pending:
            future.cancel()
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def _quiet_cancelled_futures() -> None:
    """Python before 3.12: when stopped workers break the pool, its manager thread tries to fail every queued
    future, cancelled ones included, and prints an InvalidStateError traceback (seen on Ctrl-C with hundreds of
    notebooks queued). The futures are cancelled on purpose; that one error is not reported."""
    from concurrent.futures import InvalidStateError

    previous = threading.excepthook

    def hook(args) -> None:
        if not issubclass(args.exc_type, InvalidStateError):
            previous(args)

    threading.excepthook = hook


def _stop_workers(pool: ProcessPoolExecutor, grace: float = 1.0) -> None:
    """Terminate the pool's workers (each kills its kernels first); kill any still there after ``grace`` s."""
    # ProcessPoolExecutor has no public way to stop running work before Python 3.14 (terminate_workers).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    until = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, until - time.monotonic()))
            if process.is_alive():
                process.kill()  # its kernels then see their parent gone and exit within a second


def run_on_dask(todo: list[tuple], scheduler: str, finished) -> None:
    """Submit the same tasks to a Dask distributed cluster and collect results as they complete."""
    try:
        from distributed import Client, as_completed as dask_completed
    except ImportError:  # pragma: no cover - distributed is a dependency
        raise WorkbookError("--scheduler needs the 'distributed' package: pip install distributed") from None
    _check_reachable(scheduler)
    try:
        client = Client(scheduler, timeout="20s")
    except (OSError, TimeoutError) as error:
        raise WorkbookError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
    with client:
        futures = [client.submit(execute_packed, task, pure=False, key=f"{task[0].code}-{task[1]}-{uuid.uuid4().hex[:6]}")
                   for task in todo]
        for future in dask_completed(futures):
            finished(future.result())


def _check_reachable(scheduler: str) -> None:
    """Fail in seconds, with the address, when nothing listens there (Dask would wait for its timeout)."""
    import socket
    from urllib.parse import urlparse

    parsed = urlparse(scheduler if "://" in scheduler else f"tcp://{scheduler}")
    if parsed.scheme not in ("tcp", "tls") or not parsed.hostname or not parsed.port:
        raise WorkbookError(f"--scheduler {scheduler}: expected an address like tcp://host:8786")
    try:
        socket.create_connection((parsed.hostname, parsed.port), timeout=5).close()
    except OSError as error:
        raise WorkbookError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
