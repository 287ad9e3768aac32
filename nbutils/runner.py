# Long module: the batch pipeline (workers, kernels, timeouts, signals); to be split with the warm-kernel work.
"""Execute topic notebooks per area with papermill, export HTML, and write the index and run manifest.

The runner orchestrates only: it never draws charts or computes statistics. Each notebook runs in its own
kernel started from *this* Python (whatever kernelspecs the user has registered), writes its CSVs and maps into
``<out>/<code>-<slug>/<topic>/``, and on success is exported to ``<topic>.html`` with code hidden and a table
of contents. The executed notebook is kept apart from the circulated pages, in
``<out>/_executed/<code>-<slug>/<topic>.ipynb``; a failed notebook keeps it for debugging, gets no HTML, and does
not stop the others.

Notebooks run in worker processes started fresh (``spawn``): they inherit neither the output lock nor Ctrl-C
(the runner handles it), and they stop their kernels and exit as soon as the runner is gone, however it died.
"""

from __future__ import annotations

import contextlib
import contextvars
import ctypes
import functools
import hashlib
import json
import logging
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading
import time
import traceback
import uuid
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from . import __version__, locks, paths, store
from .areas import Area
from .errors import UnknownTopicError, WorkbookError
from .files import DiskFullError, atomic_write_text
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES

#: Folder of the output holding executed notebooks (for debugging; never part of a circulated area folder).
EXECUTED_DIR = "_executed"


def available_topics() -> list[str]:
    """Topics that have a notebook, in pack order."""
    present = {p.stem for p in paths.notebooks_dir().glob("*.ipynb")}
    return [t for t in TOPIC_ORDER if t in present] + sorted(present - set(TOPIC_ORDER))


def resolve_topics(requested: list[str] | None) -> list[str]:
    """Validate requested topic names (all topics when None)."""
    topics = available_topics()
    if not requested:
        return topics
    unknown = [t for t in requested if t not in topics]
    if unknown:
        raise UnknownTopicError(f"unknown topic {', '.join(unknown)}: choose from {', '.join(topics)}")
    return [t for t in topics if t in requested]


# ------------------------------------------------------------------------------------------------- kernels


class CurrentPythonKernelSpecManager(KernelSpecManager):
    """Every kernel name resolves to an ipykernel running under this interpreter.

    A stale user-level 'python3' kernelspec (pointing at another Python, or at one without nbutils) must not
    hijack a run, so registered kernelspecs are deliberately ignored.
    """

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
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

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return CurrentPythonKernelSpecManager(data_dir=self.data_dir)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw) -> None:
        await super()._async_launch_kernel(kernel_cmd, **kw)
        # Remembered so a timeout, Ctrl-C or the runner's death can stop the kernel's whole process group.
        group = getattr(self.provisioner, "pgid", None) or getattr(self.provisioner, "pid", None)
        task = _TASK.get()
        if group and task is not None:
            task.kernels.add(group)
        if group:
            _LIVE_KERNELS.add(group)


#: Kernel process groups started by this process and not yet finished with.
_LIVE_KERNELS: set[int] = set()


class _Task:
    """What one running notebook needs to be stopped: its kernels, its notebook so far, whether it timed out."""

    def __init__(self) -> None:
        self.kernels: set[int] = set()
        self.notebook = None
        self.expired = False

    def expire(self) -> None:
        self.expired = True
        _kill_kernels(self.kernels)  # the executor sees a dead kernel within a second and returns

    def finish(self) -> None:
        _kill_kernels(self.kernels)  # normally already shut down; never leave one behind
        _LIVE_KERNELS.difference_update(self.kernels)


_TASK: contextvars.ContextVar[_Task | None] = contextvars.ContextVar("nbutils_task", default=None)


def _kill_kernels(groups) -> None:
    for group in list(groups):
        with contextlib.suppress(OSError):
            if hasattr(os, "killpg"):
                os.killpg(group, signal.SIGKILL)
            else:  # pragma: no cover - Windows has no process groups here
                os.kill(group, signal.SIGTERM)


@functools.lru_cache(maxsize=1)
def _engine_name() -> str:
    """Register (once, when a notebook first runs) a papermill engine that hands back the notebook it runs.

    With the notebook object in hand the runner writes every executed copy itself, through the atomic writer,
    including the partial copy of a notebook stopped by its time limit.
    """
    from papermill.engines import NBClientEngine, papermill_engines

    class KeepingEngine(NBClientEngine):
        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, **kwargs):
            task = _TASK.get()
            if task is not None:
                task.notebook = nb_man.nb
            return super().execute_managed_notebook(nb_man, kernel_name, **kwargs)

    papermill_engines.register("nbutils", KeepingEngine)
    return "nbutils"


# ------------------------------------------------------------------------------------------------- one task


@dataclass
class Result:
    """Outcome of one notebook for one area."""

    area_code: str
    area_name: str
    folder: str
    topic: str
    status: str  # 'succeeded' or 'failed'
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    executed: str | None = None  # the executed notebook, relative to the output folder


def _table_of_contents(body: str) -> str:
    """Insert a contents list built from the page's h2 headings after the first header block."""
    headings = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not headings:
        return body
    items = "".join(
        f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>|¶", "", text).strip()}</a></li>' for anchor, text in headings
    )
    nav = (
        '<nav class="nbu-toc" aria-label="Contents"><h2 class="nbu-toc-title">Contents</h2>'
        f"<ol>{items}</ol></nav>"
    )
    # Right after the key-messages box if there is one, else at the top of the main content.
    messages = re.search(r"<div class=[\"']nbu-messages[\"'].*?</div>", body, flags=re.S)
    if messages:
        return body[: messages.end()] + nav + body[messages.end():]
    return body.replace("<main>", "<main>" + nav, 1)


def export_html(notebook, html_path: Path, title: str, nav: dict | None = None) -> None:
    """Export an executed notebook (a path or a notebook node) to HTML: code hidden, no CDN scripts, topic
    navigation, table of contents."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(notebook, as_version=4)
    exporter = HTMLExporter(template_name="pack", extra_template_basedirs=[str(Path(__file__).parent / "templates")],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    # Cells tagged 'remove-cell' (instructions for analysts) are left out of the pack.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True)
    resources = {"metadata": {"name": title}, "nbutils_nav": nav}
    body, _ = exporter.from_notebook_node(notebook, resources=resources)
    atomic_write_text(html_path, _table_of_contents(body))


def _navigation(area: Area, topic: str, notebooks: Path) -> dict:
    topics = [t for t in TOPIC_ORDER if (notebooks / f"{t}.ipynb").exists()]
    return {"area_name": area.name,
            "topics": [{"title": TOPIC_TITLES.get(t, t), "href": f"{t}.html", "current": t == topic} for t in topics]}


def executed_path(out_dir: Path, folder: str, topic: str) -> Path:
    """Where the executed copy of a notebook is kept: outside the area folder that is circulated."""
    return out_dir / EXECUTED_DIR / folder / f"{topic}.ipynb"


def execute_task(area: Area, topic: str, out_dir: Path, timeout: int = 900,
                 notebooks: Path | None = None) -> Result:
    """Run one notebook for one area and export its HTML, in the calling process (the kernel is a child).

    The executed notebook and the HTML go through the atomic writer, so an interrupted run or a full disk never
    leaves a half-written file under a real name. Past ``timeout`` seconds the kernel is killed, the notebook is
    reported failed and its partial executed copy kept.
    """
    import nbformat
    import papermill as pm

    start = time.perf_counter()
    folder = out_dir / area.folder
    folder.mkdir(parents=True, exist_ok=True)
    executed = executed_path(out_dir, area.folder, topic)
    html_path = folder / f"{topic}.html"
    source = (notebooks or paths.notebooks_dir()) / f"{topic}.ipynb"
    title = f"{TOPIC_TITLES.get(topic, topic.title())}: {area.name}"
    error = None
    task = _Task()
    token = _TASK.set(task)
    deadline = threading.Timer(timeout, task.expire)
    deadline.daemon = True
    deadline.start()
    try:
        for attempt in (1, 2):
            try:
                pm.execute_notebook(
                    str(source), None, engine_name=_engine_name(),
                    parameters={"area_code": area.code, "output_dir": str(folder)},
                    kernel_name="python3", kernel_manager_class=CurrentPythonKernelManager,
                    progress_bar=False, log_output=False, cwd=str(source.parent),
                    request_save_on_cell_execute=False,
                    # Every output is collected by then; a graceful shutdown only adds an interrupt and a wait.
                    shutdown_kernel="immediate", start_timeout=120,
                )
                error = None
                break
            except pm.PapermillExecutionError as failure:
                error = f"{failure.ename}: {failure.evalue}"
                break
            except Exception as failure:  # kernel start-up races deserve exactly one retry
                error = f"{type(failure).__name__}: {failure}"
                if task.expired or attempt == 2 or not _looks_like_startup_race(failure):
                    break
    finally:
        deadline.cancel()
        task.finish()
        _TASK.reset(token)
    if task.expired:
        error = f"notebook took longer than {timeout} s (--timeout); its partial executed copy is kept"
    try:
        if task.notebook is not None:  # kept on failure too (partial after a timeout), for debugging
            atomic_write_text(executed, nbformat.writes(task.notebook))
        if error is None:
            export_html(task.notebook, html_path, title, _navigation(area, topic, source.parent))
    except DiskFullError:
        error = error or "no space left on device"
    except Exception:
        error = error or "HTML export failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1]
    if error is not None:
        html_path.unlink(missing_ok=True)  # never leave an HTML from an older, successful run
        if "no space left on device" in error.lower():
            error = f"no space left on device in {folder}: free some space and run this again"
    outputs = [str(html_path.relative_to(out_dir))] if html_path.exists() else []
    topic_dir = folder / topic
    if topic_dir.exists():
        outputs += sorted(str(p.relative_to(out_dir)) for p in topic_dir.iterdir() if not p.name.startswith("."))
    return Result(area.code, area.name, area.folder, topic, "failed" if error else "succeeded",
                  round(time.perf_counter() - start, 2), outputs, error,
                  executed.relative_to(out_dir).as_posix() if executed.exists() else None)


def _looks_like_startup_race(failure: Exception) -> bool:
    text = f"{type(failure).__name__} {failure}".lower()
    return any(word in text for word in ("kernel died", "address already in use", "zmq", "timeout waiting", "port"))


def _execute_packed(args: tuple) -> Result:
    area, topic, out_dir, timeout, notebooks = args
    try:
        return execute_task(area, topic, out_dir, timeout, notebooks)
    except Exception as failure:  # a worker must always report back
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
    # A notebook's failure reaches the user once, as its Result; the executors' own log lines (e.g. "Kernel died
    # while waiting for execute reply" after a timeout) would only repeat it without context.
    for name in ("traitlets", "papermill", "nbclient", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _watch_runner(runner_pid: int) -> None:
    """Portable backstop for the death signal: exit once the runner is no longer this process's parent."""
    while os.getppid() == runner_pid:
        time.sleep(0.5)
    _abandon()


def _abandon() -> None:
    """Stop this worker's kernels and exit at once (the runner is gone or has cancelled the work)."""
    _kill_kernels(_LIVE_KERNELS)
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


def _run_local(todo: list[tuple], jobs: int, finished) -> None:
    """Run tasks in ``jobs`` fresh worker processes; on Ctrl-C cancel what is queued and stop the workers."""
    context = multiprocessing.get_context("spawn")  # a forked worker would inherit the output lock
    with _sigint_blocked():
        pool = ProcessPoolExecutor(max_workers=min(jobs, len(todo)), mp_context=context,
                                   initializer=_worker_init, initargs=(os.getpid(),))
        pending = {pool.submit(_execute_packed, task) for task in todo}
    try:
        while pending:
            done, pending = wait(pending, timeout=0.5, return_when=FIRST_COMPLETED)
            for future in done:
                finished(future.result())
    except BaseException:
        for future in pending:
            future.cancel()
        _stop_workers(pool)
        raise
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


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


# ------------------------------------------------------------------------------------------------- a batch


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """sha256 over the package's code and packaged data: any change to a helper reruns every notebook."""
    digest = hashlib.sha256(__version__.encode())
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.suffix in {".py", ".yaml", ".csv", ".html", ".css", ".js"} and "__pycache__" not in path.parts:
            digest.update(str(path.relative_to(root)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def task_fingerprint(area: Area, topic: str, notebooks: Path, store_state: str) -> str:
    """What a task's outputs depend on: notebook, parameters, data, package code and version."""
    digest = hashlib.sha256()
    for part in (area.code, topic, store_state, package_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update((notebooks / f"{topic}.ipynb").read_bytes())
    return digest.hexdigest()


class OutputBusyError(WorkbookError):
    """Another run is writing to the same output folder."""


@contextlib.contextmanager
def output_lock(out_dir: Path):
    """Hold an exclusive lock on ``out_dir`` for the whole run; refuse at once if another run holds it.

    Only this process holds it (workers are spawned, not forked), and the system releases it if the process dies.
    """
    held = contextlib.ExitStack()
    try:
        held.enter_context(locks.exclusive(out_dir / ".nbutils-run.lock", wait=False))
    except locks.LockBusy as busy:
        raise OutputBusyError(
            f"another nbutils run ({busy.holder}) is writing to {out_dir}; wait for it to finish or use a different --out"
        ) from None
    with held:
        yield


class Interrupted(KeyboardInterrupt):
    """Ctrl-C stopped the run: queued notebooks were cancelled, kernels stopped, finished ones recorded."""

    def __init__(self, finished: int, out_dir: Path) -> None:
        super().__init__(f"{finished} notebook(s) finished and recorded in {out_dir / 'manifest.json'}")
        self.finished = finished
        self.out_dir = out_dir


@dataclass
class RunSummary:
    """What a batch did: results of the notebooks run now, and the ones skipped as up to date."""

    results: list[Result]
    skipped: list[Result]
    seconds: float
    notes: list[str] = field(default_factory=list)  # things the user should know (e.g. a repaired manifest)

    @property
    def failed(self) -> list[Result]:
        return [r for r in self.results if r.status != "succeeded"]

    @property
    def succeeded(self) -> list[Result]:
        return [r for r in self.results if r.status == "succeeded"]


class PlainProgress:
    """One log line per finished notebook (used when the output is not a terminal)."""

    def __init__(self, log=print) -> None:
        self.log = log
        self.total = 0
        self.done = 0

    def start(self, total: int, skipped: int) -> None:
        self.total = total
        if skipped:
            self.log(f"{skipped} notebook(s) up to date, skipped (use --force to rerun)")

    def advance(self, result: Result) -> None:
        self.done += 1
        state = "ok    " if result.status == "succeeded" else "FAILED"
        line = f"[{self.done}/{self.total}] {state} {result.area_name} / {result.topic} ({result.seconds:.1f} s)"
        self.log(line + (f": {result.error}" if result.error else ""))

    def close(self) -> None:
        pass


RECORD_KEYS = {"area_code", "area_name", "folder", "topic", "status"}


def _read_runs(out_dir: Path) -> list[dict] | None:
    """The runs recorded in ``manifest.json``; [] when there is none yet; None when it is unreadable."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):  # not JSON, not UTF-8, not a file
        return None
    runs = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and RECORD_KEYS <= r.keys() for r in runs):
        return None
    return runs


def _runs_from_folders(out_dir: Path) -> list[dict]:
    """Records rebuilt from the area folders on disk: each page is a succeeded topic, each executed copy without
    a page a failed one (their inputs are unknown, so the next run redoes them)."""
    from .areas import registry

    records = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and re.match(r"[EWSN]\d{8}-", p.name)):
        code = folder.name[:9].upper()
        try:
            name = registry().get(code).name
        except Exception:  # an area no longer in the registry keeps its folder name
            name = folder.name
        topics = {p.stem for p in folder.glob("*.html") if p.stem != "index"}
        topics |= {p.stem for p in (out_dir / EXECUTED_DIR / folder.name).glob("*.ipynb")}
        for topic in sorted(topics):
            html_path, executed = folder / f"{topic}.html", executed_path(out_dir, folder.name, topic)
            outputs = [str(html_path.relative_to(out_dir))] if html_path.exists() else []
            if (folder / topic).is_dir():
                outputs += sorted(str(p.relative_to(out_dir)) for p in (folder / topic).iterdir()
                                  if not p.name.startswith("."))
            records.append({
                "area_code": code, "area_name": name, "folder": folder.name, "topic": topic,
                "status": "succeeded" if html_path.exists() else "failed", "seconds": 0.0, "outputs": outputs,
                "error": None if html_path.exists() else "not known: the run manifest was rebuilt; run it again",
                "executed": executed.relative_to(out_dir).as_posix() if executed.exists() else None, "inputs": None,
            })
    return records


def _load_previous(out_dir: Path) -> dict[tuple[str, str], dict]:
    runs = _read_runs(out_dir)
    if runs is None:
        runs = _runs_from_folders(out_dir)
    return {(r["area_code"], r["topic"]): r for r in runs}


def _repair_manifest(out_dir: Path) -> str | None:
    """Rebuild an unreadable ``manifest.json`` from the area folders present; say so (or return None)."""
    if _read_runs(out_dir) is not None:
        return None
    write_manifest(out_dir, [])
    return (f"{out_dir / 'manifest.json'} was unreadable; rebuilt it from the area folders present "
            "(their topics rerun next time)")


def _up_to_date(record: dict | None, fingerprint: str, out_dir: Path) -> bool:
    if not record or record.get("status") != "succeeded" or record.get("inputs") != fingerprint:
        return False
    return all((out_dir / output).exists() for output in record.get("outputs", []))


def run(areas: list[Area], topics: list[str], out_dir: Path, jobs: int | None = None, timeout: int = 900,
        force: bool = False, scheduler: str | None = None, progress=None,
        notebooks: Path | None = None) -> RunSummary:
    """Run every topic for every area; skip what is up to date; write ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    jobs : notebooks executed at once on this machine (default: CPU cores), each in a worker process.
    timeout : seconds one notebook may run before its kernel is killed and it is reported as failed.
    force : rerun even notebooks whose inputs and outputs are unchanged.
    scheduler : address of a Dask distributed scheduler (e.g. ``tcp://host:8786``); its workers must see the
        same project and output folder.
    progress : an object with ``start(total, skipped)``, ``advance(result)`` and ``close()``.

    Raises
    ------
    Interrupted
        on Ctrl-C, once queued work is cancelled, the kernels are stopped and finished work is recorded.
    """
    from . import site

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = Path(notebooks or paths.notebooks_dir())
    jobs = jobs or os.cpu_count() or 1
    progress = progress or PlainProgress()
    started = time.perf_counter()
    notes: list[str] = []
    with output_lock(out_dir):
        store_state = (store.build() / "build.json").read_text()  # once, up front; notebooks only read it
        repaired = _repair_manifest(out_dir)
        if repaired:
            notes.append(repaired)
            site.write_index(out_dir)
        previous = _load_previous(out_dir)
        todo, skipped, fingerprints = [], [], {}
        for area in areas:
            for topic in topics:
                fingerprint = task_fingerprint(area, topic, notebooks, store_state)
                fingerprints[(area.code, topic)] = fingerprint
                record = previous.get((area.code, topic))
                if not force and _up_to_date(record, fingerprint, out_dir):
                    skipped.append(Result(**{k: record.get(k) for k in Result.__dataclass_fields__}))
                else:
                    todo.append((area, topic, out_dir, timeout, notebooks))
        results: list[Result] = []
        progress.start(len(todo), len(skipped))

        def finished(result: Result) -> None:
            results.append(result)
            progress.advance(result)
            # Recorded as each notebook finishes, and the index with it, so a killed run loses nothing finished.
            write_manifest(out_dir, [result], fingerprints)
            site.write_index(out_dir, folders={result.folder})

        try:
            if scheduler:
                _run_on_dask(todo, scheduler, finished)
            elif todo:
                _run_local(todo, jobs, finished)
        except KeyboardInterrupt:
            raise Interrupted(len(results), out_dir) from None
        finally:
            progress.close()
            site.write_index(out_dir)
    order = {(a.code, t): i for i, (a, t, *_) in enumerate(todo)}
    results.sort(key=lambda r: order[(r.area_code, r.topic)])
    return RunSummary(results, skipped, time.perf_counter() - started, notes)


def _run_on_dask(todo: list[tuple], scheduler: str, finished) -> None:
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
        futures = [client.submit(_execute_packed, task, pure=False, key=f"{task[0].code}-{task[1]}-{uuid.uuid4().hex[:6]}")
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


def write_manifest(out_dir: Path, results: list[Result], fingerprints: dict | None = None) -> None:
    """Merge results into ``manifest.json`` (records of other areas/topics are kept)."""
    path = out_dir / "manifest.json"
    previous = list(_load_previous(out_dir).values())  # rebuilt from the folders if unreadable
    fresh = {(r.area_code, r.topic) for r in results}
    records = []
    for result in results:
        record = asdict(result)
        record["inputs"] = (fingerprints or {}).get((result.area_code, result.topic))
        record["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        records.append(record)
    runs = [r for r in previous if (r["area_code"], r["topic"]) not in fresh] + records
    runs.sort(key=lambda r: (r["area_name"], TOPIC_ORDER.index(r["topic"]) if r["topic"] in TOPIC_ORDER else 99))
    manifest = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nbutils_version": __version__,
        "runs": runs,
    }
    atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
