"""Throughput check for the vectorised confidence intervals (a script, not a test).

Run: python benchmarks/bench_stats.py
Times wilson_ci and rate_ci on 1,000,000 seeded random rows against a
1-second target each.
"""

import time

import numpy as np

from nbutils import stats

N = 1_000_000
TARGET_S = 1.0


def bench(name, fn, repeats=3):
    fn()  # warm-up (imports, scipy dispatch)
    best = min(_timed(fn) for _ in range(repeats))
    print(f"{name} {N:,} rows: {best:.3f} s ({best / TARGET_S:.2f}x of {TARGET_S:g} s target, "
          f"{N / best:,.0f} rows/s)")
    return best


def _timed(fn):
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main():
    rng = np.random.default_rng(20240501)
    denominators = rng.integers(1, 200_000, size=N).astype(float)
    # Proportions: count <= denominator.  Rates: mix of small (< 10, exact
    # Poisson) and large (Byar's) counts, as in real LA / ward data.
    prop_counts = np.floor(rng.random(N) * (denominators + 1)).clip(max=denominators)
    rate_counts = np.where(rng.random(N) < 0.3, rng.integers(0, 10, size=N),
                           rng.integers(10, 5_000, size=N)).astype(float)
    results = {
        "wilson_ci": bench("wilson_ci", lambda: stats.wilson_ci(prop_counts, denominators)),
        "rate_ci": bench("rate_ci", lambda: stats.rate_ci(rate_counts, denominators)),
    }
    slow = [k for k, v in results.items() if v > TARGET_S]
    print("OK: all under target" if not slow else f"SLOW: {', '.join(slow)}")


if __name__ == "__main__":
    main()
