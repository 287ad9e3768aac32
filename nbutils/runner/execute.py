"""One notebook for one area on a kernel kept between notebooks: a pipeline of named steps, as papermill's
``execute.py`` is.

``prepare`` (folders; the kernel recycled if worn, started if needed, reset to a fresh kernel's state) ->
``execute`` (papermill's own ``execute_notebook``: parameters injected by its ``parameterize_notebook``, its
metadata and error markers, through the ``nbutils-warm`` engine and nbclient) -> ``keep`` (the executed copy, also
when failed or cut short) -> ``export`` (HTML from the notebook in memory) -> ``collect`` (the result).

The kernel is a local worker's own shell (:class:`~nbutils.runner.inprocess.InProcessKernel`) or, on a Dask
worker's thread, a kernel process (:class:`~nbutils.runner.kernels.WarmKernel`). Every file is written once,
through the atomic writer, so an interrupted run or a full disk never leaves a half-written file under a real
name. Past ``timeout`` seconds the notebook is stopped (its cell interrupted, or its kernel process killed), reported
failed, its partial executed copy kept, and a new worker or kernel takes the next notebook.
"""

from __future__ import annotations

import ast
import atexit
import copy
import functools
import json
import logging
import threading
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

from .. import paths, run_parameters
from ..files import DiskFullError, atomic_write_text
from ..topics_meta import TOPIC_TITLES
from .html import export_html, navigation
from .inputs import recorded_reads
from .inprocess import InProcessKernel, NotebookTimeout, use_inline_backend
from .kernels import WarmKernel
from .manifest import Result, executed_path, withdraw_outputs

ENGINE = "nbutils-warm"


@dataclass
class Job:
    """One notebook for one area, as it goes through the steps."""

    area: object  # nbutils.areas.Area
    topic: str
    out_dir: Path
    timeout: int
    notebooks: Path
    started: float = field(default_factory=time.perf_counter)
    notebook: object = None  # the executed notebook (partial after a timeout)
    error: str | None = None
    expired: bool = False
    reads: list[str] | None = None  # what the notebook read from the store (nbutils.runner.inputs)

    @property
    def source(self) -> Path:
        return self.notebooks / f"{self.topic}.ipynb"

    @property
    def folder(self) -> Path:
        return self.out_dir / self.area.folder

    @property
    def html_path(self) -> Path:
        return self.folder / f"{self.topic}.html"

    @property
    def executed(self) -> Path:
        return executed_path(self.out_dir, self.area.folder, self.topic)


# ------------------------------------------------------------------------------------------------- steps


def prepare(job: Job, kernel: WarmKernel) -> None:
    job.folder.mkdir(parents=True, exist_ok=True)
    kernel.prepare(cwd=str(job.source.parent))


def execute(job: Job, kernel: WarmKernel) -> None:
    import papermill as pm

    def expire() -> None:
        job.expired = True
        kernel.expire()

    deadline = threading.Timer(job.timeout, expire)
    deadline.daemon = True
    deadline.start()
    try:
        pm.execute_notebook(
            str(job.source), None, engine_name=_engine(),
            parameters={"area_code": job.area.code, "output_dir": str(job.folder),
                        **run_parameters.for_notebook(job.source)},
            kernel_name="python3", progress_bar=False, log_output=False, cwd=str(job.source.parent),
            request_save_on_cell_execute=False, warm_kernel=kernel, job=job,
        )
    except pm.PapermillExecutionError as failure:
        job.error = f"{failure.ename}: {failure.evalue}"
    except (Exception, NotebookTimeout) as failure:  # noqa: BLE001 - a dead kernel, a timeout: the notebook fails
        job.error = f"{type(failure).__name__}: {failure}"
    finally:
        deadline.cancel()
    if job.expired:
        job.error = f"notebook took longer than {job.timeout} s (--timeout); its partial executed copy is kept"


def keep(job: Job) -> None:
    import nbformat

    if job.notebook is not None:  # kept on failure too (partial after a timeout), for debugging
        # Written as nbformat writes it, without its validation: the page's export validates the same notebook.
        atomic_write_text(job.executed, nbformat.v4.writes(job.notebook))


def export(job: Job) -> None:
    if job.error is None:
        title = f"{TOPIC_TITLES.get(job.topic, job.topic.title())}: {job.area.name}"
        export_html(job.notebook, job.html_path, title, navigation(job.area.name, job.topic, job.notebooks))


def collect(job: Job) -> Result:
    if job.error is not None:
        if "no space left on device" in job.error.lower():
            job.error = f"no space left on device in {job.folder}: free some space and run this again"
        # Nothing of this topic stays in the circulated folder (no page, and no tables or maps from this or an
        # older run that the pack no longer has a page for): the tables and maps go beside the executed copy.
        left = withdraw_outputs(job.out_dir, job.area.folder, job.topic)
        if left:
            job.error = f"{job.error}; {left}"
    outputs = [str(job.html_path.relative_to(job.out_dir))] if job.html_path.exists() else []
    topic_dir = job.folder / job.topic
    if topic_dir.exists():
        outputs += sorted(str(p.relative_to(job.out_dir)) for p in topic_dir.iterdir() if not p.name.startswith("."))
    return Result(job.area.code, job.area.name, job.area.folder, job.topic, "failed" if job.error else "succeeded",
                  round(time.perf_counter() - job.started, 2), outputs, job.error,
                  job.executed.relative_to(job.out_dir).as_posix() if job.executed.exists() else None)


def execute_task(area, topic: str, out_dir: Path, timeout: int = 900, notebooks: Path | None = None,
                 kernel: WarmKernel | None = None) -> Result:
    """Run one notebook for one area and export its HTML, on ``kernel`` (default: this thread's kernel, see
    :func:`worker_kernel`)."""
    job = Job(area, topic, Path(out_dir), timeout, Path(notebooks or paths.notebooks_dir()).resolve())
    kernel = kernel or worker_kernel(job.source)
    try:
        job.folder.mkdir(parents=True, exist_ok=True)
    except OSError as failure:  # read-only, or a file where the folder should be: this area's notebooks fail
        job.error = (f"cannot write the area folder {job.folder} ({failure.strerror or failure}): check that it is "
                     "a folder this user may write to")
    if job.error is None:
        try:
            prepare(job, kernel)
        except Exception as failure:  # noqa: BLE001 - no kernel: this notebook fails, the batch goes on
            job.error = f"the kernel did not start: {failure}"
    if job.error is None:
        execute(job, kernel)
        if job.error is None:
            job.reads = recorded_reads(kernel)
        kernel.finished(ok=job.error is None)
    try:
        keep(job)
        export(job)
    except DiskFullError:
        job.error = job.error or "no space left on device"
    except Exception:  # noqa: BLE001 - the page could not be made: the notebook fails, with the reason
        job.error = job.error or "HTML export failed: " + traceback.format_exc(limit=1).strip().splitlines()[-1]
    result = collect(job)
    result.reads = job.reads if result.status == "succeeded" else None
    return result


# ------------------------------------------------------------------------------------------------- the engine


@functools.lru_cache(maxsize=1)
def _engine() -> str:
    """Register (once per process) the papermill engine that executes on a warm kernel."""
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine, papermill_engines

    class WarmEngine(Engine):
        """papermill's nbclient engine, on a kernel that is already running and stays running (a kernel process,
        or a kernel's shell in this process whose client nbclient talks to as to any kernel's)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, warm_kernel=None, job=None, log_output=False,
                                     stdout_file=None, stderr_file=None, start_timeout=60, **kwargs):
            if job is not None:
                job.notebook = nb_man.nb  # the runner writes the executed copy, partial ones included
            client = PapermillNotebookClient(nb_man, km=warm_kernel.km, kernel_name=kernel_name,
                                             log=logging.getLogger("papermill"), log_output=log_output,
                                             stdout_file=stdout_file, stderr_file=stderr_file,
                                             startup_timeout=start_timeout, timeout=None)
            client.kc = warm_kernel.kc
            warm_kernel.run(_execute_cells(client, warm_kernel))
            return nb_man.nb

    papermill_engines.register(ENGINE, WarmEngine)
    return ENGINE


async def _execute_cells(client, kernel: WarmKernel) -> None:
    """``PapermillNotebookClient.execute`` without starting or stopping a kernel: cells in order, each timed and
    marked by papermill's execution manager, the first error stopping the rest. The kernel's ``language_info`` is
    asked for once per kernel (it cannot change while the kernel runs) rather than once per notebook."""
    from nbclient.exceptions import CellExecutionError

    client.reset_execution_trackers()
    nb_man = client.nb_man
    for index, cell in enumerate(client.nb.cells):
        try:
            nb_man.cell_start(cell, index)
            await client.async_execute_cell(cell, index)
        except CellExecutionError as error:
            nb_man.cell_exception(client.nb.cells[index], cell_index=index, exception=error)
            break
        finally:
            nb_man.cell_complete(client.nb.cells[index], cell_index=index)
    if kernel.language_info is None:
        info = await client.async_wait_for_reply(client.kc.kernel_info())
        kernel.language_info = info["content"]["language_info"]
    client.nb.metadata["language_info"] = copy.deepcopy(kernel.language_info)
    client.set_widgets_metadata()


# ------------------------------------------------------------------------------------------------- per worker

_LOCAL = threading.local()
#: Whether this process runs its notebooks in itself (a local pool's worker) rather than in kernels.
_IN_PROCESS = {"on": False}


def run_in_process() -> None:
    """Run this process's notebooks in the process itself (:mod:`nbutils.runner.inprocess`); called by a local
    pool's worker as it starts, before anything imports matplotlib."""
    _IN_PROCESS["on"] = True
    use_inline_backend()


def worker_kernel(source: Path) -> WarmKernel | InProcessKernel:
    """This thread's kernel for notebooks in the folder of ``source`` (started for its first notebook, and
    importing what that notebook imports): in this process when :func:`run_in_process` was called, else a warm
    kernel."""
    folder = Path(source).resolve().parent
    kernel = getattr(_LOCAL, "kernel", None)
    if isinstance(kernel, InProcessKernel):  # one shell per process, whichever folder the notebooks are in
        kernel.folder = folder
    elif kernel is None or getattr(kernel, "folder", None) != folder:
        if kernel is not None:
            kernel.close()
        quiet_logs()
        kind = InProcessKernel if _IN_PROCESS["on"] else WarmKernel
        kernel = _LOCAL.kernel = kind(notebook_imports(Path(source).resolve()))
        kernel.folder = folder
        atexit.register(kernel.close)
    return kernel


def worker_worn() -> bool:
    """True when this process's in-process kernel asks for the worker to be replaced (after a failure, after
    its last notebook, or past its memory)."""
    kernel = getattr(_LOCAL, "kernel", None)
    return bool(getattr(kernel, "worn", False))


def quiet_logs() -> None:
    """A notebook's failure reaches the user once, as its Result; the executors' own log lines (e.g. "Kernel
    died while waiting for execute reply" after a timeout) would only repeat it without context."""
    for name in ("traitlets", "papermill", "nbclient", "asyncio"):
        logging.getLogger(name).setLevel(logging.CRITICAL)


#: Imported by every kernel at start-up: the plotting and table libraries, so that the state restored before each
#: notebook (rcParams, backend, display formatters, pandas options) is the one they set up.
BASE_IMPORTS = ("matplotlib.pyplot", "pandas")


@functools.lru_cache(maxsize=16)
def notebook_imports(source: Path) -> list[str]:
    """What a kernel imports at start-up: :data:`BASE_IMPORTS` and the modules the notebook ``source`` imports (a
    name that is not a module, such as ``Pack`` in ``from nbutils.report import Pack``, is tried and skipped).
    Later notebooks import anything else they need themselves, once per kernel."""
    names: set[str] = set(BASE_IMPORTS)
    try:
        cells = json.loads(Path(source).read_text(encoding="utf-8")).get("cells", [])
    except (OSError, ValueError):
        cells = []
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        text = cell.get("source", "")
        try:
            tree = ast.parse("".join(text) if isinstance(text, list) else text)
        except SyntaxError:  # magics: the notebook will import what it needs
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names.add(node.module)
                names |= {f"{node.module}.{alias.name}" for alias in node.names if alias.name != "*"}
    return sorted(names)
