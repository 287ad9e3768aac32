"""Benchmark: how fast the command line answers when no notebook has to run (issue 16).

Times, as a user sees them (a new process each time, best of ``--repeat``):

- ``nbutils topics`` and ``nbutils areas`` (target: areas <= 0.5 s);
- a no-op ``nbutils run kent`` into an output folder that is already up to date (target <= 1 s; the folder is
  built first, once, if it is not);
- ``nbutils data status``;

and, for each, which heavy modules the command imported (none of matplotlib, geopandas or Jupyter should be)::

    python benchmarks/bench_cli.py                      # uses /tmp/nbutils-bench-cli as the kent output
    python benchmarks/bench_cli.py --out outputs --repeat 5

A bare ``python -c pass`` and ``import pandas`` are timed too, as the floor on this machine at this moment.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("matplotlib", "geopandas", "shapely", "folium", "seaborn", "jupyter_client", "papermill", "nbconvert",
         "zmq", "pandas", "pyarrow")
CHILD = ("import contextlib, io, json, sys\nfrom nbutils import cli\n"
         "with contextlib.redirect_stdout(io.StringIO()):\n    code = cli.main(sys.argv[1:])\n"
         f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))")


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}


def best_of(command: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=_env())
        times.append(time.perf_counter() - started)
    return min(times)


def imported(args: list[str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=_env(), check=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="/tmp/nbutils-bench-cli", help="output folder of the kent run")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    cli = [sys.executable, "-m", "nbutils.cli"]
    noop = ["run", "kent", "--out", args.out]
    print(f"making sure {args.out} is up to date for kent (runs the notebooks only the first time) ...", flush=True)
    subprocess.run(cli + noop, check=True, stdout=subprocess.DEVNULL, env=_env())

    rows = [
        ("python -c pass (floor)", best_of([sys.executable, "-c", "pass"], args.repeat), None, None),
        ("python -c 'import pandas' (floor)", best_of([sys.executable, "-c", "import pandas"], args.repeat), None,
         None),
    ]
    for label, command, target in (("nbutils topics", ["topics"], None), ("nbutils areas", ["areas"], 0.5),
                                   ("nbutils run kent (no-op)", noop, 1.0),
                                   ("nbutils data status", ["data", "status"], None)):
        rows.append((label, best_of(cli + command, args.repeat), target, imported(command)))
    width = max(len(r[0]) for r in rows)
    print(f"load average now: {', '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    for label, seconds, target, heavy in rows:
        ratio = f"  ratio to target {seconds / target:.2f} (target {target} s)" if target else ""
        modules = f"  imports: {', '.join(heavy) or 'none of the heavy modules'}" if heavy is not None else ""
        print(f"{label:<{width}}  {seconds:5.2f} s{ratio}{modules}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
