"""Runs where the notebooks run (a warm kernel, or a worker's own shell): remember the state a fresh kernel starts in,
and restore it before each notebook.

A warm kernel executes many notebooks in turn. Before each one :func:`reset` gives it what a new kernel would
have: an empty user namespace and execution count 1 (IPython's ``%reset -f``, in a new history session), no
open figure, the matplotlib rcParams and backend, pandas options (pandas' defaults, with the batch's
:data:`BATCH_PANDAS_OPTIONS`, which every kernel the runner starts has), IPython display formatters, warning
filters, ``sys.path`` and environment recorded by :func:`warm_up`, the notebook's folder as working directory,
and none of the modules a notebook imported from its own folder. Library modules (pandas, nbutils) stay
imported: that is the point of a warm kernel.

The rcParams are restored as ``matplotlib.rc_context`` restores them (``dict.update``), to the values the kernel
had after its start-up rather than to ``rcdefaults()``: a fresh kernel has the inline backend's settings and any
user ``matplotlibrc``, and a warm run must match a fresh one exactly. The package's chart style is a context
(``charts.style()``) and leaves nothing behind, so it needs no resetting.

Nothing here runs on import; importing this module changes no global state.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
import warnings

#: What the kernel looked like right after start-up and the package imports (set by warm_up).
_STATE: dict | None = None
#: Notebooks between garbage collections that look at everything (see reset), and resets so far.
FULL_COLLECTION_EVERY = 25
_RESETS = 0
#: pandas options every batch kernel runs with, set before the package is imported and again after each reset.
#: Text columns are kept as Python strings rather than in Arrow arrays: the packs' tables are small, and pandas
#: takes, compares and merges small Python-string columns several times faster (about 15% of a notebook's time).
#: The dtype is still ``str`` and every value, page and table is the same (``tests/test_warm.py``).
BATCH_PANDAS_OPTIONS = {"mode.string_storage": "python"}


def warm_up(modules: list[str]) -> None:
    """Import ``modules`` once (a failure is left for the notebook to report in its own cell), then record the
    kernel's state for :func:`reset`."""
    global _STATE
    _set_batch_options()
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook's own import cell shows the real error
            pass
    _STATE = _snapshot()
    # Start-up objects (modules, classes, constants) live as long as the kernel: keep them out of every later
    # garbage collection, so the collection a reset does only looks at what notebooks created.
    gc.collect()
    gc.freeze()


def _shell():
    from IPython import get_ipython

    return get_ipython()


def _snapshot() -> dict:
    state = {"path": list(sys.path), "environ": dict(os.environ), "warnings": list(warnings.filters)}
    matplotlib = sys.modules.get("matplotlib")
    if matplotlib is not None:
        pyplot = sys.modules.get("matplotlib.pyplot")
        if pyplot is not None:
            # Settles the backend now, as a notebook's first figure would (loading its module: naming it, as
            # matplotlib does when the backend is set in MPLBACKEND, does not): with the inline backend this
            # registers its figure formatters, which must be part of the recorded state, or after a notebook that
            # changed them the next notebooks' figures would show no image.
            state["backend"] = matplotlib.get_backend()
            pyplot.switch_backend(state["backend"])
        rc = dict(matplotlib.rcParams.copy())
        rc.pop("backend", None)
        state["rc"] = rc
    shell = _shell()
    if shell is not None:
        formatter = shell.display_formatter
        state["formatters"] = {mime: (dict(f.type_printers), dict(f.deferred_printers), f.enabled)
                               for mime, f in formatter.formatters.items()}
        state["active_types"] = list(formatter.active_types)
    return state


def reset(cwd: str) -> None:
    """Give the next notebook a fresh kernel's state, working in ``cwd`` (its folder)."""
    global _RESETS
    state = _STATE if _STATE is not None else _snapshot()
    shell = _shell()
    _reset_matplotlib(state)  # figures closed first, so the collection below frees them
    if shell is not None:
        if _RESETS % FULL_COLLECTION_EVERY == 0:
            gc.unfreeze()
        # What %reset -f does, in a new history session as a fresh kernel has: the count starts at 1 again
        # and its history lines cannot clash with the previous notebook's in IPython's history database.
        # Its display hook runs a full garbage collection; what survives it (the package's caches, kept for
        # later notebooks) is then frozen, so the next notebook's collection looks only at what that notebook
        # made instead of walking every cached table again (about 0.07 s a notebook). Every
        # FULL_COLLECTION_EVERY notebooks everything is looked at again, so a cache entry dropped since is freed.
        shell.reset(new_session=True)
        gc.freeze()
    _RESETS += 1
    if shell is not None:  # after matplotlib: switching the backend back registers its own formatters
        formatter = shell.display_formatter
        for mime, (printers, deferred, enabled) in state.get("formatters", {}).items():
            if mime in formatter.formatters:
                target = formatter.formatters[mime]
                target.type_printers.clear()
                target.type_printers.update(printers)
                target.deferred_printers.clear()
                target.deferred_printers.update(deferred)
                target.enabled = enabled
        if "active_types" in state:
            formatter.active_types = list(state["active_types"])
    pandas = sys.modules.get("pandas")
    if pandas is not None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # deprecated options announce themselves when reset
            pandas.reset_option("all")
        _set_batch_options()
    warnings.filters[:] = state["warnings"]
    warnings._filters_mutated()  # noqa: SLF001 - how the warnings module itself invalidates its cache
    sys.path[:] = state["path"]
    if dict(os.environ) != state["environ"]:
        os.environ.clear()
        os.environ.update(state["environ"])
    os.chdir(cwd)
    _forget_local_modules(cwd)  # (the namespace reset has already run a garbage collection)


def _set_batch_options() -> None:
    import pandas

    for option, value in BATCH_PANDAS_OPTIONS.items():
        pandas.set_option(option, value)


def _reset_matplotlib(state: dict) -> None:
    if "rc" not in state:
        return
    pyplot = sys.modules.get("matplotlib.pyplot")
    matplotlib = sys.modules["matplotlib"]
    if pyplot is not None:
        pyplot.close("all")
        backend = state.get("backend")
        if backend and matplotlib.get_backend() != backend:
            pyplot.switch_backend(backend)
    dict.update(matplotlib.rcParams, state["rc"])


#: For each notebooks' folder, the modules already found to be from elsewhere (name -> module object): only
#: modules imported since are looked at again, not the two thousand a kernel holds.
_FROM_ELSEWHERE: dict[tuple[str, ...], dict[str, object]] = {}


def _forget_local_modules(folder: str) -> None:
    """Drop modules imported from the notebook's folder, so an edited helper there is read afresh."""
    roots = tuple(sorted({os.path.realpath(folder) + os.sep, os.path.abspath(folder) + os.sep}))
    elsewhere = _FROM_ELSEWHERE.setdefault(roots, {})
    importlib.invalidate_caches()  # a module file added since is found, as a fresh kernel would find it
    for name, module in list(sys.modules.items()):
        if elsewhere.get(name) is module:
            continue
        path = getattr(module, "__file__", None)
        if isinstance(path, str) and path.startswith(roots):
            sys.modules.pop(name, None)
        else:
            elsewhere[name] = module


def rss_bytes() -> int:
    """Resident memory of this kernel now (on Linux), else its peak so far."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError, IndexError):
        try:
            import resource

            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            return peak if sys.platform == "darwin" else peak * 1024  # bytes on macOS, KiB elsewhere
        except (ImportError, OSError):
            return 0
