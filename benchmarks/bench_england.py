"""Benchmark: ``nbutils run england`` (296 areas x 6 topics) against 12 minutes, or a sample of it extrapolated.

Runs ``nbutils run`` (2 jobs, --force) on all of England or on an evenly spread sample of its areas (every n-th
of the 296 districts and unitary authorities in the registry's order, which mixes London boroughs, metropolitan
districts, unitaries and two-tier districts), samples the memory of the whole process tree (runner, workers,
kernels) every second, and prints::

    python benchmarks/bench_england.py --sample 20        # 20 areas (120 notebooks), extrapolated to 296
    python benchmarks/bench_england.py --full             # the whole of England (about 12-18 minutes)
    python benchmarks/bench_england.py --sample 20 --pdf  # with PDFs
    python benchmarks/bench_england.py --full --counties  # England's 296 areas and its 21 counties (317)

the wall time (and, for a sample, the time for all 296 areas at the same rate of areas a minute), the median
notebook, and the peak memory, against the targets of issue 28 (2 cores): whole England at most 12 minutes,
median notebook at most 0.75 s, peak memory under 3 GB; with ``--pdf`` at most 20 minutes; the run's index under
1 s to first paint with its filter working (``bench_index.py``, measured on the run's own index). A sample's peak memory
is a lower bound for England's (the run's record and index grow with the areas). The machine's load average is
printed with the results: on a shared machine the times move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).parent))
import bench_index  # noqa: E402  (a sibling script, not a package)

ENGLAND_AREAS = 296
COUNTIES = 21
#: The runner's summary line: how long the notebooks took, before any PDF was printed.
NOTEBOOK_PHASE = re.compile(r"\d+ succeeded, \d+ failed, .* in ([0-9.]+) s")
TARGETS = {"wall_minutes": 12.0, "wall_minutes_pdf": 20.0, "median_notebook_s": 0.75, "peak_gb": 3.0}
BIN = Path(sys.executable).parent


def machine_speed() -> float:
    """CPU seconds a fixed pure-Python loop takes (best of three): the machine's speed when the run starts and ends."""
    best = float("inf")
    for _ in range(3):
        started, total = time.process_time(), 0
        for number in range(10_000_000):
            total += number
        best = min(best, time.process_time() - started)
    return best


def sample_areas(count: int) -> list[str]:
    """GSS codes of ``count`` areas spread evenly over England's 296 (registry order)."""
    from nbutils.areas import resolve_targets

    areas = resolve_targets(["england"])
    step = max(len(areas) // count, 1)
    return [a.code for a in areas[::step][:count]]


class TreeMemory(threading.Thread):
    """Peak resident memory of a process and all its descendants, sampled every ``interval`` seconds."""

    def __init__(self, pid: int, interval: float = 1.0) -> None:
        super().__init__(daemon=True)
        self.root, self.interval, self.peak, self.done = psutil.Process(pid), interval, 0, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            try:
                tree = [self.root, *self.root.children(recursive=True)]
            except psutil.NoSuchProcess:
                return
            total = 0
            for process in tree:
                try:
                    total += process.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self.done.wait(self.interval)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--sample", type=int, default=20, help="areas in the sample (default 20)")
    which.add_argument("--full", action="store_true", help="all 296 areas")
    parser.add_argument("--counties", action="store_true", help="with --full: England's 21 counties too (317 areas)")
    parser.add_argument("--pdf", action="store_true", help="print the PDFs too")
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--out", type=Path, help="output folder (default: a temporary one, removed afterwards)")
    args = parser.parse_args(argv)

    if args.counties and not args.full:
        parser.error("--counties goes with --full (the 317-area run)")
    targets = (["england", "counties"] if args.counties else ["england"]) if args.full else sample_areas(args.sample)
    areas = (ENGLAND_AREAS + COUNTIES if args.counties else ENGLAND_AREAS) if args.full else len(targets)
    with tempfile.TemporaryDirectory(prefix="bench-england-") as scratch:
        out = args.out or Path(scratch) / "out"
        command = [str(BIN / "nbutils"), "run", *targets, "--out", str(out), "--force", "--jobs", str(args.jobs)]
        command += ["--pdf"] if args.pdf else []
        load, speed = os.getloadavg()[0], machine_speed()
        started = time.perf_counter()
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        memory = TreeMemory(process.pid)
        memory.start()
        output, _ = process.communicate()
        seconds = time.perf_counter() - started
        memory.done.set()
        memory.join()
        if process.returncode:
            print(output[-3000:])
            raise SystemExit(f"nbutils run failed (exit {process.returncode})")
        runs = json.loads((out / "manifest.json").read_text())["runs"]
        index = _index(out) if args.full else None  # the full run's own index, before it is removed
    ok = [r for r in runs if r["status"] == "succeeded"]
    median = statistics.median(r["seconds"] for r in ok)
    by_topic = {t: statistics.median(r["seconds"] for r in ok if r["topic"] == t) for t in sorted({r["topic"] for r in ok})}
    england_minutes = seconds / 60 * (areas if args.full else ENGLAND_AREAS) / areas
    wall_target = TARGETS["wall_minutes_pdf" if args.pdf else "wall_minutes"]
    what = (f"all of England ({areas} areas)" if args.full
            else f"a sample of {areas} areas (extrapolated to {ENGLAND_AREAS})")
    print(f"{what}, {len(ok)} of {len(runs)} notebooks succeeded, {args.jobs} jobs{', with PDFs' if args.pdf else ''}")
    print(f"load average: {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    print(f"machine speed: a fixed pure-Python loop took {speed:.2f} s before the run and {machine_speed():.2f} s "
          "after (the machine's speed moves: compare runs whose loops took about the same)")
    print(f"wall time: {seconds:.1f} s ({seconds / areas:.2f} s an area)")
    notebooks = NOTEBOOK_PHASE.search(output)
    if args.pdf and notebooks:
        printing = seconds - float(notebooks.group(1))
        print(f"of which notebooks {float(notebooks.group(1)):.1f} s, then PDFs {printing:.1f} s "
              f"({printing / areas:.2f} s an area)")
    print(f"England, {'measured' if args.full else 'extrapolated'}: {england_minutes:.1f} min "
          f"(target <= {wall_target:g} min: {'met' if england_minutes <= wall_target else 'not met'})")
    print(f"median notebook: {median:.2f} s (target <= {TARGETS['median_notebook_s']} s: "
          f"{'met' if median <= TARGETS['median_notebook_s'] else 'not met'}); by topic: "
          + ", ".join(f"{t} {s:.2f}" for t, s in by_topic.items()))
    print(f"peak memory, process tree: {memory.peak / 1e9:.2f} GB (target < {TARGETS['peak_gb']} GB: "
          f"{'met' if memory.peak / 1e9 < TARGETS['peak_gb'] else 'not met'})")
    if isinstance(index, str):
        print(index)
    elif index is not None:
        bench_index.report(index)


def _index(out: Path):
    """The run's index measured in Chromium, or a line saying why it could not be (the run's figures still print)."""
    from nbutils.pdf import BrowserMissing

    try:
        return bench_index.measure(out)
    except BrowserMissing as missing:
        return f"index: not measured ({missing})"


if __name__ == "__main__":
    main()
