"""Execute topic notebooks per area with papermill, export HTML, and write the index and run manifest.

The runner orchestrates only: it never draws charts or computes statistics. Each notebook runs in its own
kernel started from *this* Python (whatever kernelspecs the user has registered), writes its CSVs and maps into
``<out>/<code>-<slug>/<topic>/``, and on success is exported to ``<topic>.html`` with code hidden and a table
of contents. A failed notebook keeps its executed ``.ipynb`` for debugging, gets no HTML, and does not stop the
others.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import signal
import re
import threading
import sys
import tempfile
import time
import traceback
import uuid
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

from . import __version__, paths, store
from .areas import Area
from .errors import UnknownTopicError, WorkbookError
from .files import atomic_write_text
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES



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


def export_html(notebook_path: Path, html_path: Path, title: str, nav: dict | None = None) -> None:
    """Export an executed notebook to HTML: code hidden, no CDN scripts, topic navigation, table of contents."""
    import nbformat
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    notebook = nbformat.read(notebook_path, as_version=4)
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


class NotebookTimeout(Exception):
    """A notebook ran longer than its allowed time."""


@contextlib.contextmanager
def _deadline(seconds: int):
    """Raise NotebookTimeout in this (main) thread after ``seconds``; a no-op off the main thread."""
    if seconds <= 0 or threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise NotebookTimeout(f"notebook took longer than {seconds} s (--timeout)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def execute_task(area: Area, topic: str, out_dir: Path, timeout: int = 900,
                 notebooks: Path | None = None) -> Result:
    """Run one notebook for one area and export its HTML, in the calling process (the kernel is a child).

    The executed notebook and the HTML are written to temporary names and renamed when complete, so an
    interrupted run never leaves a half-written file under a real name.
    """
    import papermill as pm

    start = time.perf_counter()
    folder = out_dir / area.folder
    folder.mkdir(parents=True, exist_ok=True)
    executed = folder / f"{topic}.ipynb"
    html_path = folder / f"{topic}.html"
    source = (notebooks or paths.notebooks_dir()) / f"{topic}.ipynb"
    title = f"{TOPIC_TITLES.get(topic, topic.title())}: {area.name}"
    scratch = folder / f".{topic}.{os.getpid()}.{uuid.uuid4().hex[:8]}.ipynb"
    error = None
    try:
        for attempt in (1, 2):
            try:
                with _deadline(timeout):
                    pm.execute_notebook(
                        str(source), str(scratch),
                        parameters={"area_code": area.code, "output_dir": str(folder)},
                        kernel_name="python3", kernel_manager_class=CurrentPythonKernelManager,
                        progress_bar=False, log_output=False, cwd=str(source.parent),
                        # Saved once at the end, not after every cell: pages with maps are large to re-serialise.
                        request_save_on_cell_execute=False,
                        # Every output is collected by then; a graceful shutdown only adds an interrupt and a wait.
                        shutdown_kernel="immediate",
                        execution_timeout=timeout, start_timeout=120,
                    )
                error = None
                break
            except pm.PapermillExecutionError as failure:
                error = f"{failure.ename}: {failure.evalue}"
                break
            except NotebookTimeout as failure:
                error = str(failure)
                break
            except Exception as failure:  # kernel start-up races deserve exactly one retry
                error = f"{type(failure).__name__}: {failure}"
                if attempt == 2 or not _looks_like_startup_race(failure):
                    break
        if scratch.exists():
            os.replace(scratch, executed)  # kept on failure too, for debugging
        if error is None:
            try:
                export_html(executed, html_path, title, _navigation(area, topic, source.parent))
            except Exception:
                error = "HTML export failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1]
    finally:
        scratch.unlink(missing_ok=True)
    if error is not None:
        html_path.unlink(missing_ok=True)  # never leave an HTML from an older, successful run
    outputs = [str(p.relative_to(out_dir)) for p in (executed, html_path) if p.exists()]
    topic_dir = folder / topic
    if topic_dir.exists():
        outputs += sorted(str(p.relative_to(out_dir)) for p in topic_dir.iterdir() if not p.name.startswith("."))
    return Result(area.code, area.name, area.folder, topic, "failed" if error else "succeeded",
                  round(time.perf_counter() - start, 2), outputs, error)


def _looks_like_startup_race(failure: Exception) -> bool:
    text = f"{type(failure).__name__} {failure}".lower()
    return any(word in text for word in ("kernel died", "address already in use", "zmq", "timeout waiting", "port"))


def _execute_packed(args: tuple) -> Result:
    area, topic, out_dir, timeout, notebooks = args
    try:
        return execute_task(area, topic, out_dir, timeout, notebooks)
    except Exception as failure:  # a worker must always report back
        return Result(area.code, area.name, area.folder, topic, "failed", 0.0, [], f"{type(failure).__name__}: {failure}")


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
    """Hold an exclusive lock on ``out_dir`` for the whole run; refuse at once if another run holds it."""
    lock_path = out_dir / ".nbutils-run.lock"
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        holder = handle.read().strip() or "another process"
        handle.close()
        raise OutputBusyError(
            f"another nbutils run ({holder}) is writing to {out_dir}; wait for it to finish or use a different --out"
        ) from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"pid {os.getpid()}")
    handle.flush()
    try:
        yield
    finally:
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()


@dataclass
class RunSummary:
    """What a batch did: results of the notebooks run now, and the ones skipped as up to date."""

    results: list[Result]
    skipped: list[Result]
    seconds: float

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


def _load_previous(out_dir: Path) -> dict[tuple[str, str], dict]:
    try:
        runs = json.loads((out_dir / "manifest.json").read_text()).get("runs", [])
    except (FileNotFoundError, json.JSONDecodeError):
        return {}
    return {(r["area_code"], r["topic"]): r for r in runs}


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
    jobs : notebooks executed at once on this machine (default: CPU cores).
    timeout : seconds one notebook may run before it is stopped and reported as failed.
    force : rerun even notebooks whose inputs and outputs are unchanged.
    scheduler : address of a Dask distributed scheduler (e.g. ``tcp://host:8786``); its workers must see the
        same project and output folder.
    progress : an object with ``start(total, skipped)``, ``advance(result)`` and ``close()``.
    """
    from . import site

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = Path(notebooks or paths.notebooks_dir())
    jobs = jobs or os.cpu_count() or 1
    progress = progress or PlainProgress()
    started = time.perf_counter()
    with output_lock(out_dir):
        store_state = (store.build() / "build.json").read_text()  # once, up front; notebooks only read it
        previous = _load_previous(out_dir)
        todo, skipped, fingerprints = [], [], {}
        for area in areas:
            for topic in topics:
                fingerprint = task_fingerprint(area, topic, notebooks, store_state)
                fingerprints[(area.code, topic)] = fingerprint
                record = previous.get((area.code, topic))
                if not force and _up_to_date(record, fingerprint, out_dir):
                    skipped.append(Result(**{k: record[k] for k in Result.__dataclass_fields__}))
                else:
                    todo.append((area, topic, out_dir, timeout, notebooks))
        results: list[Result] = []
        progress.start(len(todo), len(skipped))

        def finished(result: Result) -> None:
            results.append(result)
            progress.advance(result)
            # Recorded as each notebook finishes, so a killed run resumes where it stopped.
            write_manifest(out_dir, [result], fingerprints)

        try:
            if scheduler:
                _run_on_dask(todo, scheduler, finished)
            elif jobs <= 1 or len(todo) <= 1:
                for task in todo:
                    finished(_execute_packed(task))
            else:
                with ProcessPoolExecutor(max_workers=min(jobs, len(todo))) as pool:
                    futures = [pool.submit(_execute_packed, task) for task in todo]
                    try:
                        for future in as_completed(futures):
                            finished(future.result())
                    except KeyboardInterrupt:
                        for future in futures:
                            future.cancel()
                        raise
        finally:
            progress.close()
            site.write_index(out_dir)
    order = {(a.code, t): i for i, (a, t, *_) in enumerate(todo)}
    results.sort(key=lambda r: order[(r.area_code, r.topic)])
    return RunSummary(results, skipped, time.perf_counter() - started)


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
    previous = list(_load_previous(out_dir).values())
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
