"""Benchmark: validating a large local-data file (issue 26, item 8).

Target: a 50 MB CSV validated in under 20 s with a peak resident memory under 500 MB, and a second validation of
the unchanged file served from the cache (data/cache/local-validated) in about a second.

The file is synthetic (every English district, 40 quarters and as many invented indicators as the size needs;
every row is valid); it is written to a temporary project copy and removed afterwards, never into data/local/::

    python benchmarks/bench_local_data.py            # 50 MB
    python benchmarks/bench_local_data.py --mb 10

Each measurement runs in a new process so the peak memory is that of validation alone.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD = """
import json, resource, sys, time
from pathlib import Path
from nbutils import local_data, store
areas, predecessors = store.table("areas"), store.table("predecessors")
start = time.perf_counter()
dataset = local_data.load_dataset(Path(sys.argv[1]), areas, predecessors)
seconds = time.perf_counter() - start
print(json.dumps({"rows": len(dataset.rows), "seconds": round(seconds, 2),
                  "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))
"""


def make_dataset(folder: Path, megabytes: float) -> int:
    """A valid dataset of about ``megabytes`` MB: every district, 40 quarters, as many invented indicators as needed."""
    sys.path.insert(0, str(ROOT))
    from nbutils import store

    areas = store.table("areas")
    districts = areas[areas.area_type == "lad"][["area_code", "area_name"]].values.tolist()
    quarters = [f"{year}/{str(year + 1)[-2:]} Q{q}" for year in range(2014, 2024) for q in (1, 2, 3, 4)]
    row = 'bench_indicator_000,E07000113,"Swale",2022/23 Q4,38.9,389,1000,a note\n'
    per_indicator = len(districts) * len(quarters) * len(row)
    indicators = [f"bench_indicator_{i:03d}" for i in range(int(megabytes * 1_000_000 / per_indicator) + 1)]
    folder.mkdir(parents=True)
    definitions = "".join(f"  {name}:\n    name: Benchmark indicator {name[-3:]}\n    definition: Synthetic.\n"
                          f"    unit: \"%\"\n    polarity: high-is-good\n    multiplier: 100\n" for name in indicators)
    (folder / "source.yaml").write_text(
        "publisher: Benchmark (synthetic)\ntitle: Synthetic benchmark data\npublished: 2024-07-02\n"
        f"periods: {json.dumps(quarters)}\nlicence: synthetic\ndocument: benchmarks/bench_local_data.py\n"
        f"disclosure: none\nindicators:\n{definitions}")
    rows = 0
    with open(folder / "figures.csv", "w", encoding="utf-8") as handle:
        handle.write("indicator,area_code,area_name,period,value,count,denominator,note\n")
        for indicator in indicators:
            for code, name in districts:
                handle.write("".join(f'{indicator},{code},"{name}",{quarter},38.9,389,1000,a note\n'
                                     for quarter in quarters))
                rows += len(quarters)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mb", type=float, default=50)
    args = parser.parse_args()
    home = Path(tempfile.mkdtemp(prefix="nbutils-bench-local-"))
    cache = ROOT / "data" / "cache" / "local-validated"

    def forget() -> None:  # the synthetic dataset's cache entry, so the first run validates and none is left
        for entry in cache.glob("bench-large-*.parquet"):
            entry.unlink()

    forget()
    try:
        folder = home / "bench-large"
        rows = make_dataset(folder, args.mb)
        size = (folder / "figures.csv").stat().st_size / 1e6
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        results = []
        for label in ("first validation", "again (cache)"):
            out = subprocess.run([sys.executable, "-c", CHILD, str(folder)], capture_output=True, text=True,
                                 env=env, check=True)
            results.append((label, json.loads(out.stdout.strip().splitlines()[-1])))
        print(f"file: {size:.1f} MB, {rows:,} rows")
        for label, result in results:
            print(f"{label}: {result['seconds']} s, peak {result['peak_mb']} MB ({result['rows']:,} rows)")
        first = results[0][1]
        verdict = "met" if first["seconds"] < 20 and first["peak_mb"] < 500 else "NOT met"
        print(f"target (under 20 s and 500 MB): {verdict}")
    finally:
        forget()
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
