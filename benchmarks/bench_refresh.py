"""Benchmark: a rerun of Kent after an authority adds one local dataset (issue 28).

Target: only the Kent notebooks that read the new dataset's areas rerun, and the whole rerun (the store's rebuild
included) takes under 1 minute on 2 cores.

In a temporary copy of the project (never the checkout's data/local/), Kent is run once without the shipped
dataset ``kcc-kpi-dashboard-2023-24`` (real figures: Kent County Council's KPI dashboard, Q4 2023/24); the dataset
is then put back, as an authority adding a file would, and ``nbutils run kent --explain`` is timed::

    python benchmarks/bench_refresh.py
    python benchmarks/bench_refresh.py --jobs 2 --keep /tmp/bench-refresh   # keep the copy to look at
    python benchmarks/bench_refresh.py --pdf      # every run with --pdf: only the changed areas' PDFs reprinted

It prints the measured figure against the target, how many notebooks reran and why (and, with ``--pdf``, how
many of the 14 PDFs were printed again and how many kept).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATASET = "kcc-kpi-dashboard-2023-24"
TARGET_SECONDS = 60.0


def project_copy(home: Path) -> None:
    """The project's data, notebooks and parameters, copied (as tests/conftest.py's project_copy)."""
    (home / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "raw", home / "data" / "raw")
    shutil.copy(ROOT / "data" / "manifest.json", home / "data" / "manifest.json")
    shutil.copytree(ROOT / "data" / "local", home / "data" / "local")
    shutil.copytree(ROOT / "notebooks", home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "parameters", home / "parameters")


def nbutils(home: Path, *args: str) -> tuple[float, str]:
    """Run the command line in the project copy; its wall time and output (exit status checked)."""
    env = {**os.environ, "NBUTILS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("NBUTILS_STORE", None)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "nbutils.cli", *args], capture_output=True, text=True, env=env)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"nbutils {' '.join(args)} failed ({done.returncode}):\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return seconds, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--pdf", action="store_true", help="print the PDFs in every run (as --pdf does)")
    parser.add_argument("--keep", type=Path, help="build the project copy here and keep it (default: a temporary "
                                                  "folder, removed afterwards)")
    args = parser.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-refresh-"))
    pdf = ["--pdf"] if args.pdf else []
    home, out = base / "project", base / "out"
    try:
        if home.exists():
            shutil.rmtree(home)
        project_copy(home)
        held = base / DATASET
        shutil.rmtree(held, ignore_errors=True)
        shutil.move(str(home / "data" / "local" / DATASET), held)
        first, _ = nbutils(home, "run", "kent", "--out", str(out), "--jobs", str(args.jobs), *pdf)
        print(f"first run of Kent, without {DATASET}: {first:.0f} s (store built, 84 notebooks)")
        noop, _ = nbutils(home, "run", "kent", "--out", str(out), "--jobs", str(args.jobs), *pdf)
        print(f"no-op rerun: {noop:.2f} s")

        shutil.move(str(held), home / "data" / "local" / DATASET)  # the authority adds its dataset
        load = os.getloadavg()[0]
        seconds, output = nbutils(home, "run", "kent", "--explain", "--out", str(out), "--jobs", str(args.jobs), *pdf)
        ran = [line[5:] for line in output.splitlines() if line.startswith("ran: ")]
        reasons: dict[str, int] = {}
        for line in ran:
            reason = line.rsplit(": ", 1)[-1]
            reasons[reason] = reasons.get(reason, 0) + 1
        summary = next((line for line in output.splitlines() if "succeeded," in line), "")
        print(f"after adding {DATASET}: {len(ran)} of 84 notebooks reran ({summary})")
        for reason, count in sorted(reasons.items(), key=lambda item: -item[1]):
            print(f"  {count:3d} x {reason}")
        for line in ran:
            print(f"  ran: {line}")
        if args.pdf:
            pdfs = [line for line in output.splitlines() if line.startswith("pdf: ")]
            kept = sum("up to date" in line for line in pdfs)
            print(f"PDFs: {len(pdfs) - kept} printed again, {kept} kept (their pages had not changed)")
        verdict = "met" if seconds < TARGET_SECONDS else "NOT met"
        print(f"rerun after one local-data change: {seconds:.1f} s (target < {TARGET_SECONDS:.0f} s: {verdict}; "
              f"load average {load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end, "
              f"{os.cpu_count()} cores)")
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
