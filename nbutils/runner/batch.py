"""A batch: every topic for every area, skipping what is up to date, recording each result as it finishes.

The run holds an exclusive lock on the output folder; ``manifest.json`` and the area's landing page are rewritten
(atomically) as each notebook finishes, so a killed run loses nothing finished; ``index.html`` every few seconds
and at the end (and by the next run if a killed run left it behind its record).
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import locks, paths, store_state
from ..errors import WorkbookError
from ..files import DiskFullError
from .inputs import InputState, explain as explain_reasons
from .manifest import Result, load_previous, repair_manifest, rerun_reasons, task_fingerprint, write_manifest

#: Seconds between two rewrites of the run's index.html while notebooks finish (each area's own page is rewritten
#: as soon as one of its notebooks finishes, and the index once more at the end).
INDEX_EVERY = 10.0


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


def run(areas: list, topics: list[str], out_dir: Path, jobs: int | None = None, timeout: int = 900,
        force: bool = False, scheduler: str | None = None, progress=None,
        notebooks: Path | None = None) -> RunSummary:
    """Run every topic for every area; skip what is up to date; write ``index.html`` and ``manifest.json``.

    Parameters
    ----------
    jobs : notebooks executed at once on this machine (default: CPU cores), each worker holding a warm kernel.
    timeout : seconds one notebook may run before its kernel is killed and it is reported as failed.
    force : rerun even notebooks whose own inputs (what they read from the store), code and outputs are unchanged.
    scheduler : address of a Dask distributed scheduler (e.g. ``tcp://host:8786``); its workers must see the
        same project and output folder.
    progress : an object with ``start(total, skipped)``, ``advance(result)`` and ``close()``.

    Raises
    ------
    Interrupted
        on Ctrl-C, once queued work is cancelled, the kernels are stopped and finished work is recorded.
    """
    from .. import site

    out_dir = Path(out_dir).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    notebooks = Path(notebooks or paths.notebooks_dir())
    jobs = jobs or os.cpu_count() or 1
    progress = progress or PlainProgress()
    started = time.perf_counter()
    notes: list[str] = []
    with output_lock(out_dir):
        # Once, up front (notebooks only read it); pandas is imported only if the store has to be built.
        folder = store_state.current_store()
        if folder is None:
            from .. import store

            folder = store.ensure()
        state = InputState((folder / store_state.BUILD_RECORD).read_text())
        repaired = repair_manifest(out_dir)
        if repaired:
            notes.append(repaired)
        previous = load_previous(out_dir)
        todo, skipped, fingerprints, reasons = [], [], {}, {}
        for area in areas:
            for topic in topics:
                fingerprint = task_fingerprint(area, topic, notebooks)
                fingerprints[(area.code, topic)] = fingerprint
                record = previous.get((area.code, topic))
                # A notebook reruns only when its code or one of its own inputs changed (see .inputs).
                why = ["forced"] if force else rerun_reasons(record, fingerprint, out_dir, state)
                if not why:
                    skipped.append(Result(**{k: record.get(k) for k in Result.__dataclass_fields__}))
                else:
                    reasons[(area.code, topic)] = explain_reasons(why)
                    todo.append((area, topic, out_dir, timeout, notebooks))
        results: list[Result] = []
        records = dict(previous)  # the manifest's records, kept in memory for the whole run
        if todo:
            from .. import store

            # A bad local file stops the run here, with one message, before any notebook starts. Only when there is
            # work: everything validation reads (local files, catalogue, code) is in every task's fingerprint.
            store.local_datasets()
            from .leftovers import remove_kernel_leftovers

            remove_kernel_leftovers()  # sockets and connection files of kernels killed in earlier runs
        progress.start(len(todo), len(skipped))

        last_index = time.monotonic()

        def finished(result: Result) -> None:
            nonlocal last_index
            result.reason = reasons.get((result.area_code, result.topic))
            # Each input the notebook read, with its fingerprint: what the next run compares.
            result.reads = state.fingerprints(result.reads) if isinstance(result.reads, list) else None
            results.append(result)
            progress.advance(result)
            # Recorded as each notebook finishes, with the area's landing page, so a killed run loses nothing
            # finished. The index (every area of the run) is rewritten at most every INDEX_EVERY seconds, and at
            # the end: for all of England, rewriting it after each of 1,776 notebooks would cost the workers a core.
            manifest = write_manifest(out_dir, [result], fingerprints, records)
            write_pages(out_dir, {result.folder}, manifest, notes)
            if time.monotonic() - last_index >= INDEX_EVERY:
                site.write_index(out_dir, folders=set(), manifest=manifest)
                last_index = time.monotonic()

        try:
            if todo:
                from .pool import run_local, run_on_dask

                if scheduler:
                    run_on_dask(todo, scheduler, finished)
                else:
                    run_local(todo, jobs, finished)
            elif scheduler:
                from .pool import _check_reachable

                _check_reachable(scheduler)
        except KeyboardInterrupt:
            raise Interrupted(len(results), out_dir) from None
        finally:
            progress.close()
            # Every area page (after a repair), or those missing (deleted since), then the index.
            missing = _pages_missing(out_dir, records)
            if (todo or repaired or missing or _index_stale(out_dir)) and (out_dir / "manifest.json").exists():
                manifest = _read_record(out_dir)
                write_pages(out_dir, {r["folder"] for r in records.values()} if repaired else missing, manifest, notes)
                site.write_index(out_dir, folders=set(), manifest=manifest)
    order = {(a.code, t): i for i, (a, t, *_) in enumerate(todo)}
    results.sort(key=lambda r: order[(r.area_code, r.topic)])
    return RunSummary(results, skipped, time.perf_counter() - started, notes)


def write_pages(out_dir: Path, folders: set[str], manifest: dict, notes: list[str]) -> None:
    """Rewrite the landing page of each area folder in ``folders``; a folder that cannot be written (read-only,
    or gone and not creatable) is noted, once, and the run goes on (its notebooks fail on their own)."""
    from .. import site

    for folder in sorted(folders):
        try:
            site.write_area(out_dir, folder, manifest)
        except DiskFullError:
            raise
        except OSError as error:
            note = (f"could not write {out_dir / folder / 'index.html'} ({error.strerror or error}): check that "
                    "folder's permissions and run again")
            if note not in notes:
                notes.append(note)


def _read_record(out_dir: Path) -> dict:
    """``manifest.json`` as this run left it (valid records only: it was repaired at the start)."""
    import json

    return json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))


def _pages_missing(out_dir: Path, records: dict) -> set[str]:
    """Area folders of the run record whose landing page is missing (deleted, or never written)."""
    return {r["folder"] for r in records.values() if not (out_dir / r["folder"] / "index.html").exists()}


def _index_stale(out_dir: Path) -> bool:
    """No index, or one older than the run record (a run killed between two index writes)."""
    index, manifest = out_dir / "index.html", out_dir / "manifest.json"
    try:
        return not index.exists() or (manifest.exists() and manifest.stat().st_mtime_ns > index.stat().st_mtime_ns)
    except OSError:
        return True
