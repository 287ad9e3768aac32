"""The ``nbutils`` command line: run packs, list areas, build and verify the data.

Exit status: 0 success; 1 when any notebook (or ``--pdf`` PDF) failed, ran out of time or lost its worker (the
others still ran) or the disk filled up; 2 on bad input (unknown area or topic, malformed area set, an option out
of range, unusable output folder, missing, changed or damaged raw data, invalid local data, ``--pdf`` without a
Chromium browser), with one message and no traceback; 3 when ``data fetch`` cannot reach the network or the server
answers nothing in full in time (packs keep using the embedded snapshot); 130 when interrupted (Ctrl-C): queued
notebooks are cancelled, finished ones recorded.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from pathlib import Path

from . import __version__, paths, run_parameters
from .errors import WorkbookError
from .files import DiskFullError

#: The longest --timeout of ``run`` (seconds): a week.
MAX_NOTEBOOK_TIMEOUT = 7 * 24 * 3600

#: Project folders an output folder must never be (or be inside): a run would overwrite the project's own files.
PROJECT_FOLDERS = ("data", "notebooks", "parameters", "nbutils")

EPILOG = """examples:
  nbutils run kent                         every topic for Kent County Council, its 12 districts and Medway
  nbutils run E10000016 --topics overview  the county alone (a set name always means the set)
  nbutils run Swale                        one district, by name
  nbutils run E07000109 --topics ethnicity one topic for Gravesham, by code
  nbutils run coventry bi-borough --out /tmp/packs --jobs 2
  nbutils areas kent                       list the areas in parameters/kent.yaml
  nbutils data verify                      check data/raw/ against data/manifest.json
  nbutils data local                       validate and list the authority's own data in data/local/
  nbutils data fetch --indicators satod    download current data from the OHID Fingertips API
  nbutils data status Swale                how current each indicator is for Swale and its comparators
"""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="nbutils",
        description="Infant and maternal health needs-assessment workbook: build HTML packs per area.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"nbutils {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = sub.add_parser(
        "run", help="execute topic notebooks for areas and export HTML packs",
        description="Execute the topic notebooks for each area and write HTML, CSV tables and maps to "
                    "OUT/<code>-<name>/, plus OUT/index.html and OUT/manifest.json.",
        epilog="TARGET is an area set in parameters/ (kent, coventry, bi-borough), england (every district and unitary authority) or counties (every county council), a district, "
               "unitary authority or county name (quote names with spaces) or a GSS code. A name that is also an "
               "area set means the set (kent = parameters/kent.yaml); use the code for the area alone (E10000016).",
    )
    run.add_argument("targets", nargs="+", metavar="TARGET", help="area set, area name or GSS code")
    run.add_argument("--topics", help="comma-separated topics (default: all); e.g. ethnicity,housing")
    run.add_argument("--out", default=None, help="output folder (default: outputs/ in the project; not inside its "
                                                 "data, notebooks, parameters or nbutils folders)")
    run.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                     help="notebooks to run at once (default: number of CPU cores)")
    run.add_argument("--timeout", type=int, default=900,
                     help="seconds one notebook may run before it is stopped and reported as failed (default 900, "
                          "at most 604800: a week)")
    run.add_argument("--force", action="store_true",
                     help="rerun notebooks even when their inputs and outputs are unchanged (and, with --pdf, "
                          "print every PDF again)")
    run.add_argument("--explain", action="store_true",
                     help="say why each notebook ran (e.g. 'indicator 92196 changed', 'local dataset X added', "
                          "'code or parameters changed', 'new notebook', 'forced'); a notebook whose own inputs are "
                          "unchanged is skipped")
    run.add_argument("--scheduler", metavar="ADDRESS",
                     help="run on a Dask distributed cluster, e.g. tcp://host:8786 (workers must share the "
                          "project and the output folder)")
    run.add_argument("-p", "--parameter", nargs=2, action="append", metavar=("NAME", "VALUE"),
                     help="set a notebook parameter, as papermill's -p (e.g. -p mothers_pct 25 for the overview's "
                          "scale-of-need scenario); repeat for more")
    run.add_argument("--pdf", action="store_true",
                     help="also write one PDF per area, OUT/<code>-<name>/<code>-<name>.pdf (needs Chromium: the "
                          "Debian package 'chromium-headless-shell' or 'chromium'; exit status 2 without it)")

    areas = sub.add_parser("areas", help="list areas (all districts/unitaries, or those in an area set)",
                           description="List current English districts, unitary authorities and counties, or an "
                                       "area set's.")
    areas.add_argument("set", nargs="?", help="area set name (e.g. kent); omit for every area and the set names")

    topics = sub.add_parser("topics", help="list the topics that have a notebook")
    topics.set_defaults()

    data = sub.add_parser("data", help="build or verify the tidy data store",
                          description="Manage data/: 'verify' checks raw files against the manifest; 'build' "
                                      "rebuilds data/store/ (done automatically when needed).")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_sub.add_parser("verify", help="check every raw file's sha256 against data/manifest.json")
    build = data_sub.add_parser("build", help="rebuild the tidy store from data/raw/")
    build.add_argument("--force", action="store_true", help="rebuild even if the store is current")
    data_sub.add_parser(
        "local", help="validate and list the authority's own datasets in data/local/",
        description="Check every data/local/<dataset>/ folder (source.yaml and CSV files, see docs/local-data.md) "
                    "and list the datasets.",
        epilog="exit status: 0 all valid (or none); 2 a problem, named by file, line and column.")
    fetch = data_sub.add_parser(
        "fetch", help="download current indicator data from the OHID Fingertips API",
        description="Download catalogue indicators from the OHID Fingertips API into data/fetched/ (checked before "
                    "use; a failed download keeps the previous data). The next run rebuilds the store with them.",
        epilog="exit status: 0 all fetched; 1 some indicators failed (their previous data kept); 2 bad input; "
               "3 no network, or nothing answered in full in time (packs keep using the embedded snapshot). See "
               "docs/live-data.md.",
    )
    fetch.add_argument("--indicators", help="comma-separated catalogue ids or Fingertips ids (default: all with a "
                                            "Fingertips id), e.g. satod,93085")
    fetch.add_argument("--areas", metavar="SET", help="keep only these areas and their comparators (an area set, "
                                                      "name or code; comma-separated)")
    fetch.add_argument("--refresh", action="store_true", help="download again even if a cached response exists")
    fetch.add_argument("--timeout", default="30",  # checked (finite, in range) with the value as typed
                       help="seconds to wait to connect and for each read (default 30, at most 600)")
    fetch.add_argument("--deadline", default="1800",
                       help="seconds the whole fetch may take (default 1800); one indicator may take 300")
    status = data_sub.add_parser(
        "status", help="per indicator: source, latest period held, levels, age, old-figure flag",
        description="For every catalogue indicator: its source, the latest period the store holds, the levels "
                    "(area types) with that period, its age in years, whether it is an old figure (period ended "
                    "more than 3 years before the pack date) and whether it was fetched live or is embedded.",
    )
    status.add_argument("area", nargs="?", metavar="AREA",
                        help="only this district/UA and its comparators (a name or GSS code)")
    return parser


class RichProgress:
    """A progress bar with area/topic, elapsed time and ETA, for terminals."""

    def __init__(self) -> None:
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
            TimeRemainingColumn

        self.progress = Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                                 TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn())
        self.task = None

    def start(self, total: int, skipped: int) -> None:
        if skipped:
            self.progress.console.print(f"{skipped} notebook(s) up to date, skipped (use --force to rerun)")
        self.progress.start()
        self.task = self.progress.add_task("starting", total=total)

    def advance(self, result) -> None:
        mark = "[green]ok[/]" if result.status == "succeeded" else "[red]FAILED[/]"
        self.progress.console.print(f"{mark} {result.area_name} / {result.topic} ({result.seconds:.1f} s)"
                                    + (f": {result.error}" if result.error else ""))
        self.progress.update(self.task, advance=1, description=f"{result.area_name} / {result.topic}")

    def close(self) -> None:
        self.progress.stop()


def _print_summary(summary, explain: bool = False) -> None:
    """Succeeded, failed (with reason) and skipped, as a table on a terminal or plain lines otherwise; why the
    notebooks ran (each one's reason with ``explain``, else a count per reason)."""
    failed = summary.failed
    if explain:
        for result in summary.results:
            print(f"ran: {result.area_name} / {result.topic}: {result.reason or 'not known'}")
    elif summary.results:
        counts: dict[str, int] = {}
        for result in summary.results:
            counts[result.reason or "not known"] = counts.get(result.reason or "not known", 0) + 1
        print("ran because: " + "; ".join(f"{reason} ({n})" for reason, n in sorted(counts.items(),
                                                                                    key=lambda c: -c[1])[:5])
              + ("; ..." if len(counts) > 5 else "") + " (--explain for each notebook)")
    line = (f"{len(summary.succeeded)} succeeded, {len(failed)} failed, {len(summary.skipped)} skipped "
            f"(up to date) in {summary.seconds:.1f} s")
    if sys.stdout.isatty() and failed:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Failed notebooks")
        for column in ("Area", "Topic", "Reason"):
            table.add_column(column)
        for result in failed:
            table.add_row(result.area_name, result.topic, result.error or "")
        Console().print(table)
    else:
        for result in failed:
            print(f"failed: {result.area_name} / {result.topic}: {result.error}")
    print(line)


def _output_folder(value: str | None) -> Path:
    """The output folder to use, refusing one that would overwrite the project (exit 2 via WorkbookError)."""
    if value is None:
        return paths.default_output_dir()
    if not value.strip():
        raise WorkbookError("--out is empty: give an output folder, e.g. --out outputs")
    out_dir = Path(value).expanduser().resolve()
    root = paths.project_root()
    guarded = [root / name for name in PROJECT_FOLDERS] + [Path(__file__).resolve().parent]
    for folder in guarded:
        if out_dir == folder or folder in out_dir.parents:
            raise WorkbookError(f"--out {value} is inside the project's {folder.name}/ folder and would overwrite "
                                "its files: choose another folder, e.g. --out outputs")
    if out_dir == root:
        raise WorkbookError(f"--out {value} is the project folder itself: choose a folder for the packs, "
                            "e.g. --out outputs")
    return out_dir


def check_local_dates() -> None:
    """A date in a local ``source.yaml`` that does not exist (``published: 2024-31-07``) named with its file and
    line, before anything reads it (the YAML reader would stop with a bare "month must be in 1..12")."""
    import yaml

    for path in sorted((paths.data_dir() / "local").glob("*/source.yaml")):
        try:
            root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            continue  # reported by the local data checks themselves
        pending = [root] if root is not None else []
        while pending:
            node = pending.pop()
            if isinstance(node, yaml.MappingNode):
                pending += [value for _, value in node.value]
            elif isinstance(node, yaml.SequenceNode):
                pending += node.value
            elif node.tag == "tag:yaml.org,2002:timestamp":
                try:
                    yaml.SafeLoader(" ").construct_yaml_timestamp(node)
                except ValueError as error:
                    raise WorkbookError(f"{path}, line {node.start_mark.line + 1}: {node.value} is not a date "
                                        f"({error}); write it as YYYY-MM-DD, e.g. 2024-07-31") from None


def _topics_option(value: str | None) -> list[str] | None:
    if value is None:
        return None
    topics = [t.strip() for t in value.split(",") if t.strip()]
    if not topics:
        raise WorkbookError("--topics is empty: name one or more topics (see `nbutils topics`), or leave it out "
                            "for all")
    return topics


def _cmd_run(args) -> int:
    from . import runner
    from .areas import resolve_targets, set_or_area_notes

    if args.jobs < 1:
        raise WorkbookError(f"--jobs {args.jobs}: must be at least 1")
    if args.timeout < 1:
        raise WorkbookError(f"--timeout {args.timeout}: must be at least 1 second (default 900)")
    if args.timeout > MAX_NOTEBOOK_TIMEOUT:
        raise WorkbookError(f"--timeout {args.timeout}: at most {MAX_NOTEBOOK_TIMEOUT} seconds (a week); the "
                            "default is 900")
    if args.scheduler is not None:
        from .runner.scheduler import scheduler_address

        scheduler_address(args.scheduler)
    out_dir = _output_folder(args.out)
    check_local_dates()
    topics = runner.resolve_topics(_topics_option(args.topics))
    run_parameters.export(run_parameters.checked(args.parameter, [paths.notebooks_dir() / f"{t}.ipynb" for t in topics]))
    areas = resolve_targets(args.targets)
    for note in set_or_area_notes(args.targets):
        print(note, flush=True)
    if args.pdf:
        from .pdf import find_browser

        find_browser()  # no browser: say so before an hour of notebooks, not after
    where = f"on {args.scheduler}" if args.scheduler else f"with {args.jobs} job(s)"
    print(f"{len(topics)} topic(s) x {len(areas)} area(s) into {out_dir} {where}", flush=True)
    progress = RichProgress() if sys.stdout.isatty() else runner.PlainProgress(lambda line: print(line, flush=True))
    summary = runner.run(areas, topics, out_dir, jobs=args.jobs, timeout=args.timeout, force=args.force,
                         scheduler=args.scheduler, progress=progress)
    for note in summary.notes:
        print(f"note: {note}")
    _print_summary(summary, args.explain)
    if args.pdf:
        from .pdf import write_area_pdfs

        pdfs = write_area_pdfs(out_dir, areas, topics, force=args.force)
        for written in pdfs:
            kept = ", up to date: its pages have not changed" if written.kept else ""
            print(f"pdf failed: {written.path.name}: {written.error}" if written.error
                  else f"pdf: {written.path.name} ({written.total} pages{kept})", flush=True)
    print(f"index: {Path(out_dir).resolve() / 'index.html'}")
    return 1 if summary.failed or any(w.error for w in (pdfs if args.pdf else [])) else 0


def _cmd_areas(args) -> int:
    from .areas import area_set_names, load_area_set, registry

    if args.set:
        area_set, members = load_area_set(args.set)
        print(f"{area_set.name}: {area_set.description}")
    else:
        members = registry().reportable()
        counties = len(registry().counties())
        print(f"{len(members) - counties} English districts and unitary authorities and {counties} counties; "
              f"area sets: {', '.join(area_set_names())}")
    for area in members:
        upper = registry().get(area.upper_tier_code).name if area.upper_tier_code else ""
        region = registry().get(area.region_code).name if area.region_code else ""
        print(f"{area.code}  {area.name:<36} {area.kind:<22} {upper:<28} {region}")
    return 0


def _cmd_topics(args) -> int:
    from .runner import TOPIC_TITLES, available_topics

    for topic in available_topics():
        print(f"{topic:<10} {TOPIC_TITLES.get(topic, '')}")
    return 0


def _cmd_data(args) -> int:
    from . import store
    from .sources.manifest import verify

    if args.data_command in ("build", "local", "status"):
        check_local_dates()
    if args.data_command == "fetch":
        from .fetch import EXIT_NETWORK_UNAVAILABLE, NetworkUnavailable, main_fetch

        try:
            return main_fetch(args)
        except NetworkUnavailable as error:
            print(f"nbutils: {error}", file=sys.stderr)
            return EXIT_NETWORK_UNAVAILABLE
    if args.data_command == "local":
        return _cmd_data_local()
    if args.data_command == "status":
        return _data_status(args)
    if args.data_command == "verify":
        results = verify()
        bad = [r for r in results if not r.ok]
        for result in results:
            if not result.ok:
                print(result.describe())
        print(f"{len(results) - len(bad)} of {len(results)} raw files match the manifest")
        return 2 if bad else 0
    from .store_state import check_archives, remove_build_leftovers

    remove_build_leftovers()  # what a build killed earlier left behind
    check_archives()
    path = store.build(force=args.force, quiet=False)
    print(f"data store ready: {path}")
    return 0


def _cmd_data_local() -> int:
    from . import store

    datasets = store.local_datasets()
    for dataset in datasets:
        rows = dataset.rows
        print(f"{dataset.name}: {dataset.source.label}; {len(rows)} row(s), "
              f"{rows.area_code.nunique()} area(s), indicator(s) {', '.join(sorted(rows.indicator_id.unique()))}, "
              f"period(s) {', '.join(sorted(rows.period.unique()))}")
    print(f"{len(datasets)} local dataset(s) valid in data/local/" if datasets
          else "no local datasets in data/local/ (see docs/local-data.md to add one)")
    return 0


def _data_status(args) -> int:
    from rich.console import Console
    from rich.table import Table

    from .areas import resolve_targets
    from .currency import data_currency
    from .periods import OLD_MARK, pack_date

    area = None
    if args.area:
        areas = resolve_targets([args.area])
        if len(areas) != 1:
            raise WorkbookError(f"data status takes one district, unitary authority or county, not the {len(areas)} areas "
                                f"of '{args.area}'")
        area = areas[0]
    frame = data_currency(area)
    where = f"{area.name} and its comparators" if area else "all areas"
    table = Table(title=f"Data currency: {where} (pack date {pack_date().isoformat()})")
    for column in ("Indicator", "Source", "Latest period", "Level", "Age (years)", "Old?", "Origin"):
        table.add_column(column)
    for row in frame.itertuples(index=False):
        age = "" if row.age_years is None or row.age_years != row.age_years else f"{row.age_years:.1f}"
        table.add_row(row.indicator, row.source, row[3], row.level, age, OLD_MARK if row.old else "",
                      row.origin)
    Console(width=200 if not sys.stdout.isatty() else None).print(table)
    old = int(frame["old"].sum())
    missing = int(frame["latest period"].str.startswith("none held").sum())
    print(f"{len(frame)} indicators: {old} old figures, {missing} with nothing held "
          "(`nbutils data fetch` downloads the Fingertips ones)")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    handlers = {"run": _cmd_run, "areas": _cmd_areas, "topics": _cmd_topics, "data": _cmd_data}
    try:
        return handlers[args.command](args)
    except WorkbookError as error:
        print(f"nbutils: error: {error}", file=sys.stderr)
        return 2
    except OSError as error:
        if isinstance(error, DiskFullError) or error.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", None)):
            where = f" in {error.filename}" if getattr(error, "filename", None) else ""
            print(f"nbutils: error: no space left on device{where}: free some space and run again (finished "
                  "outputs are complete and kept)", file=sys.stderr)
            return 1
        # e.g. --out names a file, or a folder we may not write to
        where = f" {error.filename}" if getattr(error, "filename", None) else ""
        print(f"nbutils: error: cannot use{where}: {error.strerror or error}; check the path and permissions",
              file=sys.stderr)
        return 2
    except KeyboardInterrupt as interrupt:
        done = f"; {interrupt}" if str(interrupt) else ""
        print(f"nbutils: interrupted: queued notebooks cancelled{done}; run the same command again to finish",
              file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
