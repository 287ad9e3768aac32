"""Execute topic notebooks per area with papermill, export HTML, write the index and run record.

The runner orchestrates only: it never draws charts or computes statistics. Each worker process on this machine
runs notebooks in itself, in a kernel's shell (:mod:`~nbutils.runner.inprocess`); each thread of a Dask worker
starts one kernel from *this* Python (whatever kernelspecs the user has registered). Either imports the package
once and executes notebook after notebook, each in a clean namespace (:mod:`~nbutils.runner.isolation`), with
parameters injected by papermill itself. A notebook writes its CSVs and
maps into ``<out>/<code>-<slug>/<topic>/``; on success it is exported, in the worker, to ``<topic>.html`` with code
hidden and a table of contents. The executed notebook is kept apart from the circulated pages, in
``<out>/_executed/<code>-<slug>/<topic>.ipynb``; a failed notebook keeps it for debugging, gets no HTML, and does
not stop the others.

Modules: :mod:`.tasks` (topics), :mod:`.kernels` (kernels, warm kernels), :mod:`.inprocess` (a kernel's shell in
the worker), :mod:`.isolation` (runs where the notebooks run),
:mod:`.execute` (one notebook, as named steps), :mod:`.html` (pages), :mod:`.pool` (workers, Dask; a lost worker
fails only its notebook), :mod:`.scheduler` (a Dask address), :mod:`.manifest` (the run record, checked by schema),
:mod:`.leftovers` (files of killed kernels), :mod:`.batch` (a run). Names are loaded on first use, so listing topics
or a no-op run never imports Jupyter, papermill, nbconvert or pandas.
"""

from __future__ import annotations

import importlib

from .. import paths  # noqa: F401 - part of the interface (tests point it at other notebooks)
from ..errors import WorkbookError  # noqa: F401
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES  # noqa: F401
from .tasks import available_topics, resolve_topics  # noqa: F401

_LAZY = {
    "run": "batch", "RunSummary": "batch", "PlainProgress": "batch", "OutputBusyError": "batch",
    "Interrupted": "batch", "output_lock": "batch",
    "Result": "manifest", "write_manifest": "manifest", "executed_path": "manifest", "EXECUTED_DIR": "manifest",
    "package_fingerprint": "manifest", "task_fingerprint": "manifest",
    "execute_task": "execute", "worker_kernel": "execute",
    "export_html": "html",
    "WarmKernel": "kernels", "CurrentPythonKernelManager": "kernels", "CurrentPythonKernelSpecManager": "kernels",
    "InProcessKernel": "inprocess",
}


def __getattr__(name: str):
    if name in _LAZY:
        value = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
