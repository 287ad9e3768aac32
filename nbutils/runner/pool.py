"""Worker processes on this machine, each running notebooks in itself, and the same tasks on a Dask cluster.

Local workers are started fresh (``spawn``): they inherit neither the output lock nor Ctrl-C (the runner handles
it), and they exit as soon as the runner is gone, however it died. Each runs notebook after notebook in its own
kernel shell (:mod:`nbutils.runner.inprocess`) and is replaced when that shell is worn (a failure, a timeout, its
last notebook or its memory); one stuck far past its notebook's timeout is stopped by the runner. Each thread of a
Dask worker keeps a warm kernel instead (:mod:`nbutils.runner.kernels`).
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
from collections import deque
from multiprocessing import connection as mp_connection
from pathlib import Path

from ..errors import WorkbookError
from .manifest import Result, executed_path, withdraw_outputs


def execute_packed(args: tuple) -> Result:
    """Run one task ``(area, topic, out_dir, timeout, notebooks)`` on this thread's kernel; always report."""
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
    """Exit at once (the runner is gone or has cancelled the work): the notebook running here goes with it."""
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


class _Worker:
    """One worker process and the notebook it holds; the runner talks to it over its own pipe."""

    def __init__(self, context, runner_pid: int) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_worker_main, args=(child, runner_pid), name="nbutils-worker",
                                       daemon=True)  # never waited for at exit: the runner stops it itself
        self.process.start()
        child.close()
        self.task: tuple | None = None
        self.started = 0.0
        self.retiring = False  # it said it exits after its result (its kernel is worn)
        self.overdue = False  # it was stopped for holding a notebook far past the notebook's timeout

    def give(self, task: tuple) -> None:
        self.task, self.started = task, time.perf_counter()
        self.conn.send(task)

    def lost(self) -> Result:
        """The failed result of the notebook this worker held when its process died."""
        area, topic, out_dir, *_ = self.task
        code = self.process.exitcode
        how = (f"was killed by signal {-code} ({_signal_name(-code)})" if code is not None and code < 0
               else f"exited with status {code}")
        reason = (f"the worker process running this notebook {how}, e.g. by the system when memory ran out; "
                  "the other notebooks went on in a new worker: run this one again (with fewer --jobs if memory "
                  "is short)")
        if self.overdue:
            reason = (f"notebook took longer than {self.task[3]} s (--timeout) and did not stop when asked, so its "
                      "worker was stopped; the other notebooks went on in a new worker")
        left = withdraw_outputs(Path(out_dir), area.folder, topic)
        # No executed copy: the notebook died with its worker (an older copy would not show this run).
        executed_path(Path(out_dir), area.folder, topic).unlink(missing_ok=True)
        return Result(area.code, area.name, area.folder, topic, "failed", round(time.perf_counter() - self.started, 2),
                      [], reason + (f"; {left}" if left else ""), None)


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return "unknown signal"


def _worker_main(conn, runner_pid: int) -> None:
    """A worker process: run the tasks the runner sends, one at a time, in this process
    (:mod:`nbutils.runner.inprocess`). When its kernel is worn (a failure, its last notebook, or past its memory)
    it says so before its last result and exits: the runner starts another."""
    from .execute import run_in_process, worker_worn

    _worker_init(runner_pid)
    run_in_process()
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):  # the runner closed the pipe or is gone
            break
        if task is None:
            break
        result = execute_packed(task)
        if worker_worn():
            conn.send(("retiring", 0))
            conn.send(result)
            break
        conn.send(result)


class AreaQueue:
    """Tasks grouped by area, handed out so that a worker keeps to one area until its topics are done.

    A warm kernel caches what it works out for an area (its indicator series, its scorecard rows), and every
    topic page of the area asks for much of the same: one kernel running all of an area's notebooks works that
    out once, not once per kernel. At the end of a run an idle worker takes the last task of the busiest area.
    """

    def __init__(self, todo: list[tuple]) -> None:
        groups: dict[str, deque] = {}
        for task in todo:
            groups.setdefault(task[0].code, deque()).append(task)
        self._waiting = deque(groups.values())
        self._held: dict[object, deque] = {}  # each worker's area: the tasks it has still to run

    def __len__(self) -> int:
        return sum(map(len, self._waiting)) + sum(map(len, self._held.values()))

    def next_for(self, worker) -> tuple:
        """The next task for ``worker``: its own area's, else a new area's, else one from the busiest area."""
        own = self._held.get(worker)
        if own:
            return own.popleft()
        if self._waiting:
            own = self._held[worker] = self._waiting.popleft()
            return own.popleft()
        self._held.pop(worker, None)
        return max(self._held.values(), key=len).pop()

    def release(self, worker, task: tuple | None = None) -> None:
        """Put back what ``worker`` held (and ``task``, which it could not take), first in line."""
        held = self._held.pop(worker, None) or deque()
        if task is not None:
            held.appendleft(task)
        if held:
            self._waiting.appendleft(held)


def run_local(todo: list[tuple], jobs: int, finished, retire_wait: float = 30.0) -> None:
    """Run tasks in ``jobs`` worker processes; on Ctrl-C cancel what is queued and stop the workers.

    Each worker keeps to one area's notebooks at a time (:class:`AreaQueue`). A worker that dies (killed, as the
    out-of-memory killer does) fails only the notebook it held, with the reason; a new worker takes its place and
    the rest of the run goes on.
    """
    context = multiprocessing.get_context("spawn")  # a forked worker would inherit the output lock
    queue = AreaQueue(todo)
    workers: list[_Worker] = []
    retired: list[_Worker] = []

    def assign(worker: _Worker | None) -> None:
        """Give ``worker`` its next task (a new worker when None or when it cannot take it)."""
        if worker is not None:
            task = queue.next_for(worker)
            try:
                worker.give(task)
                return
            except OSError:  # it died between two notebooks
                workers.remove(worker)
                queue.release(worker, task)
        with _sigint_blocked():
            worker = _Worker(context, os.getpid())
        workers.append(worker)
        worker.give(queue.next_for(worker))

    try:
        for _ in range(min(jobs, len(queue))):
            assign(None)
        while workers:
            waiting = [w.conn for w in workers] + [w.process.sentinel for w in workers]
            ready = set(mp_connection.wait(waiting, timeout=0.5))
            _stop_overdue(workers)
            for worker in [w for w in workers if w.conn in ready or w.process.sentinel in ready]:
                result = _receive(worker)
                if result is None and worker.process.is_alive():
                    continue  # woken by part of a message; the rest follows
                if result is None:  # the process died holding a notebook
                    workers.remove(worker)
                    queue.release(worker)
                    worker.process.join(1)
                    finished(worker.lost())
                    if len(queue):
                        assign(None)
                    continue
                finished(result)
                if worker.retiring:  # it exits now: another takes its place
                    workers.remove(worker)
                    queue.release(worker)
                    retired.append(worker)
                    if len(queue):
                        assign(None)
                elif len(queue):
                    assign(worker)
                else:
                    workers.remove(worker)
                    _retire(worker)
                    retired.append(worker)
    except BaseException:
        _stop_workers([w.process for w in workers + retired])
        raise
    until = time.monotonic() + retire_wait  # each worker exits by itself once told
    for worker in retired:
        worker.process.join(max(0.0, until - time.monotonic()))
    _stop_workers([w.process for w in retired if w.process.is_alive()])


#: Seconds past a notebook's timeout after which its worker is stopped: the worker stops the notebook itself at
#: its timeout, unless the notebook is stuck where no signal reaches it (in a C library holding the interpreter).
OVERDUE_GRACE = 60.0


def _stop_overdue(workers: list[_Worker]) -> None:
    """Kill each worker still holding a notebook :data:`OVERDUE_GRACE` seconds past that notebook's timeout (the
    run loop then reports it as lost, with the reason)."""
    now = time.perf_counter()
    for worker in workers:
        if worker.task is not None and not worker.overdue and now - worker.started > worker.task[3] + OVERDUE_GRACE:
            worker.overdue = True
            with contextlib.suppress(Exception):
                worker.process.kill()


def _receive(worker: _Worker) -> Result | None:
    """The worker's result if one has arrived (noting on the way whether it said it is retiring); None if there is
    none yet or the pipe is broken."""
    try:
        while worker.conn.poll():
            message = worker.conn.recv()
            if message == ("retiring", 0):
                worker.retiring = True
                continue
            return message
    except (EOFError, OSError):
        pass
    return None


def _retire(worker: _Worker) -> None:
    """Tell an idle worker to stop its kernel and exit."""
    with contextlib.suppress(OSError):
        worker.conn.send(None)
        worker.conn.close()


def _stop_workers(processes: list, grace: float = 1.0) -> None:
    """Terminate the workers (each exits at once, with the notebook it runs); kill any still there after ``grace``
    s."""
    for process in processes:
        with contextlib.suppress(Exception):
            process.terminate()
    until = time.monotonic() + grace
    for process in processes:
        with contextlib.suppress(Exception):
            process.join(max(0.0, until - time.monotonic()))
            if process.is_alive():
                process.kill()
                process.join(grace)


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
        tasks = {client.submit(execute_packed, task, pure=False,
                               key=f"{task[0].code}-{task[1]}-{uuid.uuid4().hex[:6]}"): task for task in todo}
        for future in dask_completed(list(tasks)):
            try:
                result = future.result()
            except Exception as failure:  # noqa: BLE001 - e.g. KilledWorker: only this notebook fails
                area, topic, out_dir, *_ = tasks[future]
                left = withdraw_outputs(Path(out_dir), area.folder, topic)
                reason = (f"the Dask worker running this notebook was lost ({type(failure).__name__}: {failure}); "
                          "the others went on: run this one again")
                result = Result(area.code, area.name, area.folder, topic, "failed", 0.0, [],
                                reason + (f"; {left}" if left else ""))
            finished(result)


def _check_reachable(scheduler: str) -> None:
    """Fail in seconds, with the address, when nothing listens there (Dask would wait for its timeout)."""
    import socket

    from .scheduler import scheduler_address

    host, port = scheduler_address(scheduler)
    try:
        socket.create_connection((host, port), timeout=5).close()
    except OSError as error:
        raise WorkbookError(f"cannot reach the Dask scheduler at {scheduler}: {error}") from None
