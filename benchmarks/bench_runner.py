"""Benchmark: the naive loop (papermill CLI, then nbconvert CLI, one notebook at a time) against ``nbutils run``.

Runs, side by side in one go, on the same notebooks and areas:

1. the naive loop an analyst writes first: ``papermill`` then ``jupyter nbconvert --to html`` per notebook;
2. ``nbutils run`` (worker processes each holding a warm kernel, HTML exported in the worker, executed notebooks
   in OUT/_executed/, --force so nothing is skipped);
3. a no-op rerun of ``nbutils run`` (everything up to date);
4. optionally (``--floor``) a bare-kernel floor: a new kernel importing nbutils' page helpers, per notebook;
5. optionally (``--dask``) the same run on a real ``dask scheduler`` with two ``dask worker`` processes (one
   thread each, each holding its warm kernel) started on this machine, as throughput against the local runner.

and prints the seconds and the ratios the targets are stated in::

    python benchmarks/bench_runner.py                       # Swale, Thanet, Medway x 6 topics (a few minutes)
    python benchmarks/bench_runner.py --areas kent --skip-naive

Targets (issue 16, 2 cores): batch <= 0.15x the naive loop; median notebook <= 1.2 s; no-op rerun <= 5% of a run.
The machine's load average is printed with the results: on a shared machine the ratios move with it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def _seconds(command: list[str], **kwargs) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **kwargs)
    return time.perf_counter() - started


def naive_loop(areas, topics, out: Path) -> float:
    """papermill CLI then nbconvert CLI, one notebook after another."""
    started = time.perf_counter()
    for area in areas:
        folder = out / area.folder
        folder.mkdir(parents=True, exist_ok=True)
        for topic in topics:
            executed = folder / f"{topic}.ipynb"
            subprocess.run([str(BIN / "papermill"), str(ROOT / "notebooks" / f"{topic}.ipynb"), str(executed),
                            "-p", "area_code", area.code, "-p", "output_dir", str(folder), "--no-progress-bar"],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT / "notebooks")
            subprocess.run([str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def floor_notebook(folder: Path) -> Path:
    """An empty notebook importing nbutils' page helpers, as every topic notebook does."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('area_code = "E07000113"\noutput_dir = None', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("from nbutils import charts, maps\nfrom nbutils.report import Pack"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "floor.ipynb")
    return folder


def bare_kernel_floor(count: int) -> float:
    """Median seconds to start a new kernel (papermill's default engine) and import the page helpers."""
    import papermill as pm
    from nbutils.runner import CurrentPythonKernelManager

    folder = floor_notebook(Path(tempfile.mkdtemp(prefix="nbutils-floor-")))
    times = []
    for _ in range(count):
        started = time.perf_counter()
        pm.execute_notebook(str(folder / "floor.ipynb"), None, kernel_name="python3", progress_bar=False,
                            kernel_manager_class=CurrentPythonKernelManager)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def dask_run(areas, topics, out: Path) -> float:
    """Seconds for the same run on a real scheduler and two workers on loopback (started and stopped here)."""
    from distributed import Client

    from nbutils import runner

    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out.parent.mkdir(parents=True, exist_ok=True)
    scheduler_file = out.parent / "scheduler.json"
    processes = [subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    try:
        until = time.monotonic() + 120
        while not scheduler_file.exists():
            if time.monotonic() > until:
                raise RuntimeError("the dask scheduler did not start within 2 minutes")
            time.sleep(0.2)
        address = json.loads(scheduler_file.read_text())["address"]
        processes += [subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                        "--no-nanny", "--no-dashboard"], env=env, cwd=ROOT,
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
        with Client(address) as client:
            client.wait_for_workers(2, timeout=120)
        started = time.perf_counter()
        runner.run(areas, topics, out, force=True, scheduler=address, progress=runner.PlainProgress(lambda _: None))
        return time.perf_counter() - started
    finally:
        for process in reversed(processes):
            process.terminate()
            process.wait(timeout=60)


def main(argv=None) -> int:
    from nbutils import runner
    from nbutils.areas import resolve_targets

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--areas", nargs="+", default=["Swale", "Thanet", "Medway"], help="area set or areas")
    parser.add_argument("--topics", nargs="+", default=None, help="topics (default: all)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--skip-naive", action="store_true", help="do not time the naive loop")
    parser.add_argument("--floor", action="store_true", help="also time a new kernel per notebook (the old floor)")
    parser.add_argument("--dask", action="store_true", help="also run on a dask scheduler + two dask workers")
    args = parser.parse_args(argv)

    areas = resolve_targets(args.areas)
    topics = runner.resolve_topics(args.topics)
    quiet = runner.PlainProgress(lambda _: None)
    work = Path(tempfile.mkdtemp(prefix="nbutils-bench-"))
    count = len(areas) * len(topics)
    print(f"{count} notebooks ({len(areas)} areas x {len(topics)} topics), {args.jobs} jobs, work in {work}")

    runner.run(areas[:1], topics[:1], work / "warm", jobs=1, progress=quiet)  # store built, caches warm

    naive = None if args.skip_naive else naive_loop(areas, topics, work / "naive")

    started = time.perf_counter()
    summary = runner.run(areas, topics, work / "nbutils", jobs=args.jobs, force=True, progress=quiet)
    batch = time.perf_counter() - started
    failed = [f"{r.area_name}/{r.topic}: {r.error}" for r in summary.failed]
    per_notebook = statistics.median(r.seconds for r in summary.results)
    executed = len(list((work / "nbutils" / runner.EXECUTED_DIR).rglob("*.ipynb")))

    started = time.perf_counter()
    noop = runner.run(areas, topics, work / "nbutils", jobs=args.jobs, progress=quiet)
    rerun = time.perf_counter() - started
    assert not noop.results, "the no-op rerun ran notebooks: incremental check failed"

    rows = [
        ("load average at the end (1, 5, 15 min)", ", ".join(f"{x:.2f}" for x in os.getloadavg())),
        ("naive loop (papermill + nbconvert CLIs)", f"{naive:.1f} s" if naive else "skipped"),
        ("nbutils run (warm kernels)", f"{batch:.1f} s"),
        ("ratio nbutils / naive (target <= 0.15)", f"{batch / naive:.2f}" if naive else "n/a"),
        ("median seconds per notebook (in nbutils run)", f"{per_notebook:.2f} s"),
        ("ratio median / 1.2 s target", f"{per_notebook / 1.2:.2f}"),
        ("executed notebooks kept in OUT/_executed/", f"{executed} of {count}"),
        ("no-op rerun", f"{rerun:.2f} s"),
        ("ratio no-op / full run (target <= 0.05)", f"{rerun / batch:.3f}"),
    ]
    if args.floor:
        floor = bare_kernel_floor(min(count, 5))
        rows.append(("new kernel + page helpers per notebook (old floor)", f"{floor:.2f} s"))
        rows.append(("ratio median / old floor", f"{per_notebook / floor:.2f}"))
    if args.dask:
        on_dask = dask_run(areas, topics, work / "dask" / "out")
        rows.append(("same run on dask scheduler + 2 dask workers", f"{on_dask:.1f} s"))
        rows.append(("ratio dask / local nbutils run", f"{on_dask / batch:.2f}"))
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"{label:<{width}}  {value}")
    if failed:
        print("failed notebooks:", *failed, sep="\n  ")
    (ROOT / "benchmarks" / "results").mkdir(exist_ok=True)
    (ROOT / "benchmarks" / "results" / "runner.json").write_text(json.dumps(dict(rows), indent=1))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
