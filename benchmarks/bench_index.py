"""Benchmark: a run's index opens fast in Chromium, with its area filter working, against 1 s to first paint.

Opens ``OUT/index.html`` of a finished run (best of ``--repeat`` cold page loads in one headless Chromium), reads
the browser's own paint timings, then types an area's name into the filter box and checks that the list narrows
to it::

    nbutils run england counties --out /tmp/england      # a run's pages, once (317 areas)
    python benchmarks/bench_index.py --out /tmp/england

prints the index's size, first contentful paint, the load event, how long the filter takes to answer, and how
many area rows it leaves, against the target of issue 28: under 1 s to first paint with the filter working.
The machine's load average is printed with the results: on a shared machine the times move with it.
"""

from __future__ import annotations

import argparse
import os
import shutil
import time
from pathlib import Path

TARGET_FIRST_PAINT_S = 1.0


def measure(out: Path, repeat: int = 3) -> dict:
    """Best-of-``repeat`` paint timings of ``out/index.html`` and one filter query; see the module docstring."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    from nbutils.pdf import LAUNCH_ARGS, find_browser

    index = out / "index.html"
    if not index.is_file():
        raise SystemExit(f"{index} does not exist: run nbutils run ... --out {out} first")
    result = {"bytes": index.stat().st_size, "first_paint_s": float("inf"), "load_s": float("inf")}
    with sync_playwright() as playwright:
        # Readers open the index in a browser: the system's Chromium itself, not the headless shell PDFs use.
        browser = playwright.chromium.launch(executable_path=shutil.which("chromium") or find_browser(),
                                             args=LAUNCH_ARGS)
        try:
            for _ in range(repeat):
                context = browser.new_context()  # a cold page each time: no cache carried over
                page = context.new_page()
                page.goto(index.as_uri(), wait_until="load")
                # The paint entry can be queued just after the load event (a run's index measured the moment the
                # run ends printed "inf"): wait for it, for at most 10 s.
                try:
                    page.wait_for_function(
                        "() => performance.getEntriesByName('first-contentful-paint').length > 0", timeout=10_000)
                except PlaywrightTimeout:
                    pass  # never painted: reported as inf
                paint = page.evaluate("""() => {
                    const p = performance.getEntriesByName('first-contentful-paint')[0];
                    const n = performance.getEntriesByType('navigation')[0];
                    return [p ? p.startTime : null, n ? n.loadEventEnd : null];
                }""")
                if paint[0] is not None:
                    result["first_paint_s"] = min(result["first_paint_s"], paint[0] / 1000)
                if paint[1] is not None:
                    result["load_s"] = min(result["load_s"], paint[1] / 1000)
                rows = page.locator("tr.nbu-area")
                result["areas"] = rows.count()
                name = page.locator("tr.nbu-area").first.get_attribute("data-search").split()[0]
                started = time.perf_counter()
                page.locator("#nbu-filter-box").fill(name)
                page.wait_for_function("() => document.getElementById('nbu-filter-count').textContent !== ''")
                result["filter_s"] = time.perf_counter() - started
                result["filter_word"] = name
                result["shown_after_filter"] = page.locator("tr.nbu-area:not([hidden])").count()
                context.close()
        finally:
            browser.close()
    return result


def report(result: dict) -> None:
    """Print ``measure``'s result against the target."""
    met = result["first_paint_s"] < TARGET_FIRST_PAINT_S
    working = 0 < result["shown_after_filter"] < result["areas"]
    print(f"index.html: {result['bytes'] / 1e3:.0f} KB, {result['areas']} area rows")
    print(f"first contentful paint: {result['first_paint_s']:.2f} s (target < {TARGET_FIRST_PAINT_S:g} s: "
          f"{'met' if met else 'not met'}); load event {result['load_s']:.2f} s")
    print(f"filter '{result['filter_word']}': {result['shown_after_filter']} of {result['areas']} rows left in "
          f"{result['filter_s']:.2f} s ({'working' if working else 'NOT working'})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, type=Path, help="a finished run's output folder")
    parser.add_argument("--repeat", type=int, default=3, help="cold page loads; the best is reported (default 3)")
    args = parser.parse_args(argv)
    print(f"load average at start {os.getloadavg()[0]:.1f}")
    report(measure(args.out, args.repeat))


if __name__ == "__main__":
    main()
