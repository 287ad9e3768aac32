"""Benchmark: seconds per area to print a batch's PDFs (one Chromium, several pages at once) against 1.5 s.

Prints the PDFs of a run that already has its pages (``nbutils run`` without ``--pdf``), as ``--pdf`` does after
the notebooks, and reports the seconds per area, for each number of pages printed at once asked for::

    nbutils run kent --out /tmp/kent                      # the pages, once
    python benchmarks/bench_pdf.py --out /tmp/kent kent   # PDFs of the Kent set (14 areas)
    python benchmarks/bench_pdf.py --out /tmp/kent kent --at-once 1 2 4

``--at-once 1`` prints one page after another in the one browser (what a page-by-page loop costs). Target
(issue 28, 2 cores): at most 1.5 s per area on average, so that ``nbutils run england --pdf`` stays within
20 minutes. The machine's load average is printed with the results: on a shared machine the times move with it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from pathlib import Path

TARGET_SECONDS_PER_AREA = 1.5


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", help="areas or area sets, as for nbutils run")
    parser.add_argument("--out", required=True, type=Path, help="the run's output folder (pages already built)")
    parser.add_argument("--at-once", type=int, nargs="+", default=[2],
                        help="pages printed at once (default 2, as nbutils run --pdf)")
    args = parser.parse_args(argv)

    from nbutils.areas import resolve_targets
    from nbutils.pdf import write_area_pdfs

    areas = resolve_targets(args.targets)
    print(f"{len(areas)} area(s) from {args.out}; load average at start {os.getloadavg()[0]:.1f}")
    for at_once in args.at_once:
        started = time.perf_counter()
        written = write_area_pdfs(args.out, areas, pages_at_once=at_once, force=True)  # printed, not kept
        seconds = time.perf_counter() - started
        failed = [w for w in written if w.error]
        done = len(written) - len(failed)
        per_area = seconds / max(done, 1)
        pages = [w.total for w in written if not w.error]
        verdict = "met" if per_area <= TARGET_SECONDS_PER_AREA else "not met"
        print(f"pages at once {at_once}: {done} PDF(s) ({len(failed)} failed), {seconds:.1f} s, "
              f"{per_area:.2f} s per area (target <= {TARGET_SECONDS_PER_AREA} s: {verdict}); "
              f"median {statistics.median(pages) if pages else 0} A4 pages; "
              f"load average {os.getloadavg()[0]:.1f}")
        for w in failed:
            print(f"  failed: {w.path.name}: {w.error}")


if __name__ == "__main__":
    main()
