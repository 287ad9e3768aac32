"""Benchmark: how fast Ctrl-C stops a run (target: under 2 s from the key press to the runner's exit, on 2 cores).

The test (tests/test_faults.py) checks the promise with generous bounds - the runner exits with status 130, stops
its workers and kernels and records what finished - so it holds on a loaded machine; this script measures the
figure. It builds a throwaway project copy with a 'slow' fixture notebook (a minute everywhere except Swale), runs
Swale, Thanet, Dover and Medway with two jobs, presses Ctrl-C (SIGINT to the process group, as a terminal does) once
Swale is recorded and two kernels are busy, and prints the seconds to the runner's exit and until every worker and
kernel is gone::

    python benchmarks/bench_interrupt.py            # 5 rounds
    python benchmarks/bench_interrupt.py --rounds 20

The machine's load average is printed with the results: on a shared machine the figures move with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from conftest import write_notebook  # noqa: E402 - the tests' own fixture writer

TARGET = 2.0
SLOW = "import time\nif area_code != 'E07000113':\n    time.sleep(60)\nprint('done')"


def _project(folder: Path) -> Path:
    home = folder / "project"
    (home / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "raw", home / "data" / "raw")
    shutil.copy(ROOT / "data" / "manifest.json", home / "data" / "manifest.json")
    if (ROOT / "data" / "local").exists():
        shutil.copytree(ROOT / "data" / "local", home / "data" / "local")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    shutil.copytree(ROOT / "parameters", home / "parameters")
    write_notebook(home / "notebooks" / "slow.ipynb", SLOW)
    return home


def _kernels(runner: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in runner.children(recursive=True):
        try:
            if "ipykernel_launcher" in " ".join(child.cmdline()):
                found.append(child)
        except psutil.Error:
            pass
    return found


def one_round(home: Path, store: Path, folder: Path) -> tuple[float, float]:
    """Seconds from Ctrl-C to the runner's exit, and to the last worker or kernel gone."""
    out = folder / "out"
    env = {**os.environ, "NBUTILS_HOME": str(home), "NBUTILS_STORE": str(store)}
    with open(folder / "log.txt", "w") as log:
        run = subprocess.Popen([sys.executable, "-m", "nbutils.cli", "run", "Swale", "Thanet", "Dover", "Medway",
                                "--topics", "slow", "--jobs", "2", "--out", str(out)], stdout=log, stderr=log,
                               env=env, start_new_session=True)
    runner = psutil.Process(run.pid)
    until = time.monotonic() + 300
    while time.monotonic() < until:
        manifest = out / "manifest.json"
        if manifest.exists() and "E07000113" in manifest.read_text() and len(_kernels(runner)) == 2:
            break
        time.sleep(0.1)
    else:
        run.kill()
        raise SystemExit("the run never reached two busy kernels")
    family = runner.children(recursive=True)
    pressed = time.monotonic()
    os.killpg(run.pid, signal.SIGINT)
    run.wait(timeout=120)
    exited = time.monotonic() - pressed
    while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in family if _exists(p)):
        time.sleep(0.02)
    if run.returncode != 130:
        raise SystemExit(f"exit status {run.returncode}, not 130: see {folder / 'log.txt'}")
    return exited, time.monotonic() - pressed


def _exists(process: psutil.Process) -> bool:
    try:
        return process.is_running()
    except psutil.Error:
        return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    from nbutils import store

    built = store.build()
    with tempfile.TemporaryDirectory(prefix="nbu-bench-interrupt-") as scratch:
        home = _project(Path(scratch))
        exits, gone = [], []
        for number in range(args.rounds):
            folder = Path(scratch) / f"round-{number}"
            folder.mkdir()
            exited, all_gone = one_round(home, built, folder)
            exits.append(exited)
            gone.append(all_gone)
            print(f"round {number + 1}: runner exited {exited:.2f} s after Ctrl-C, every worker and kernel gone "
                  f"after {all_gone:.2f} s", flush=True)
    print(f"runner exit: median {statistics.median(exits):.2f} s, worst {max(exits):.2f} s (target < {TARGET} s); "
          f"all gone: worst {max(gone):.2f} s; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    if max(exits) >= TARGET:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
