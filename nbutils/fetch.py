"""``nbutils data fetch``: download current indicator data from the OHID Fingertips API, safely.

For each catalogue indicator with a ``fingertips_id`` the data CSV is fetched for districts & UAs, falling back
to counties & UAs (then the 2021 boundaries) when Fingertips does not publish the indicator for districts; a
district-level indicator also gets the county file, so two-tier districts have their county comparator. The
indicator's metadata (definition, rationale, caveats, method) is fetched too.

Nothing replaces working data until it has passed every check. Files go to ``data/fetched/fingertips/`` under
names that include their sha256, and ``data/fetched/manifest.json`` (written last, atomically) says which files
are current, with URL, time, sha256 and rows for each. A failed or interrupted indicator therefore leaves the
previous manifest, and the previous files it names, untouched; the store build reads only what the manifest
names and whose sha256 still matches.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import math
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from . import catalog, locks, paths
from .errors import WorkbookError
from .sources import fetched_manifest
from .sources import fingertips_api as api

EXIT_NETWORK_UNAVAILABLE = 3
#: Seconds one indicator (all its requests, retries and waits) may take, and the whole fetch by default.
INDICATOR_DEADLINE = 300.0
FETCH_DEADLINE = 1800.0
#: The largest --timeout and --deadline accepted (seconds).
MAX_TIMEOUT, MAX_DEADLINE = 600.0, 86400.0
COUNTY_ONLY_NOTE = "published for counties/UAs only: the district pack shows its county's value"
OLD_BOUNDARIES_NOTE = "published on 2021-2023 local authority boundaries only"


class NetworkUnavailable(WorkbookError):
    """The Fingertips API could not be reached at all (no network, DNS failure, refused, proxy down), or it
    answered no request in full in the time allowed."""


def _offline(error: api.FetchError, client: api.Client) -> bool:
    """Nothing usable has come from the server: unreachable, or no request answered in full before a timeout."""
    return (error.unreachable and client.answered == 0) or (error.timed_out and client.completed == 0)


def fetched_dir() -> Path:
    return fetched_manifest.folder()


def cache_dir() -> Path:
    return paths.data_dir() / "cache" / "fingertips"


def manifest_path() -> Path:
    return fetched_manifest.path()


#: The fetched-data manifest, or an empty one (nothing fetched yet, or an unreadable file).
load_fetched_manifest = fetched_manifest.load


def fetched_info(indicator_id: str) -> dict | None:
    """What the pack should say about fetched data for one indicator, or None if it was never fetched.

    Keys: fetched_at, data_date, url, area_type, note, and (when the metadata was fetched) definition,
    rationale, caveats, method, source.
    """
    entry = load_fetched_manifest()["indicators"].get(indicator_id)
    if not entry:
        return None
    data_files = [f for f in entry.get("files", []) if f.get("kind") == "data"]
    info = {"fetched_at": entry.get("fetched_at", ""), "data_date": entry.get("data_date", ""),
            "url": data_files[0]["url"] if data_files else "", "area_type": entry.get("area_type", ""),
            "note": entry.get("note", "")}
    info.update(entry.get("metadata", {}).get("fields", {}))
    return info


# --------------------------------------------------------------------------------------------------- results


@dataclass
class IndicatorResult:
    indicator_id: str
    ok: bool
    message: str


@dataclass
class FetchSummary:
    results: list[IndicatorResult] = field(default_factory=list)
    requests_made: int = 0

    @property
    def failed(self) -> list[IndicatorResult]:
        return [r for r in self.results if not r.ok]


# --------------------------------------------------------------------------------------------------- fetching


def select_indicators(requested: list[str] | None) -> list[catalog.Indicator]:
    """Catalogue indicators to fetch: all with a Fingertips id, or those named (by our id or Fingertips id)."""
    available = catalog.with_fingertips()
    if not requested:
        current = [m for m in available if not m.discontinued]
        if not current:
            raise WorkbookError("no catalogue indicator has a fingertips_id (nbutils/catalog.yaml); nothing to fetch")
        return current
    by_key = {m.id: m for m in available} | {str(m.fingertips_id): m for m in available}
    unknown = [r for r in requested if r not in by_key]
    if unknown:
        known = ", ".join(f"{m.id} ({m.fingertips_id})" for m in available) or "none"
        raise WorkbookError(f"--indicators: {', '.join(unknown)} not in the catalogue with a Fingertips id; "
                            f"known: {known}")
    return list({by_key[r].id: by_key[r] for r in requested}.values())


def area_filter(area_set: str | None) -> set[str] | None:
    """Area codes to keep for ``--areas``: the areas, their counties, regions and England (None: keep all)."""
    if not area_set:
        return None
    from .areas import registry, resolve_targets

    areas = resolve_targets([t.strip() for t in area_set.split(",") if t.strip()])
    keep = {api.ENGLAND_CODE}
    for area in areas:
        keep.add(area.code)
        keep.update(c.area.code for c in registry().comparators(area))
    return keep


def _filtered_csv(table: api.Table, keep: set[str] | None) -> tuple[bytes, int]:
    import csv

    rows = table.rows if keep is None else [r for r in table.rows if r["Area Code"] in keep]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=table.header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8"), len(rows)


def _latest_period(table: api.Table) -> str:
    def key(row):
        sortable = row.get("Time period Sortable", "")
        return (int(sortable) if sortable.isdigit() else 0, row["Time period"])

    rows = [r for r in table.rows if r["Value"].strip()]
    return max(rows, key=key)["Time period"].replace(" - ", "-") if rows else ""


def _file_entry(kind: str, response: api.Response, path: Path, body: bytes, rows: int, area_type_id=None) -> dict:
    entry = {"kind": kind, "path": str(path.relative_to(fetched_dir())), "url": response.url,
             "fetched_at": response.fetched_at, "sha256": hashlib.sha256(body).hexdigest(),
             "download_sha256": response.sha256, "rows": rows, "bytes": len(body), "from_cache": response.from_cache}
    if area_type_id is not None:
        entry["area_type_id"] = area_type_id
    return entry


METADATA_FIELDS = {"definition": "Definition", "rationale": "Rationale", "caveats": "Caveats",
                   "method": "Methodology", "source": "Data source", "indicator_source": "Indicator source",
                   "unit": "Unit", "value_type": "Value type", "year_type": "Year type", "polarity": "Polarity"}


def candidate_types(client: api.Client, meta: catalog.Indicator) -> tuple[list[int], set[int] | None, str]:
    """Area types to try, in order: those ``available_data`` lists, else the catalogue's, else all four.

    Returns the ordered ids, the set the API listed (None if it could not be asked) and a note on the source.
    """
    url = api.available_data_url(meta.fingertips_id)
    try:
        _, listed = client.get(url, api.parse_available_data)
    except api.FetchError as error:
        if _offline(error, client) or isinstance(error, api.DeadlineExceeded):
            raise
        wanted = [t for level in meta.area_types for t in api.TYPES_FOR_LEVEL.get(level, ())]
        order = [t for t in api.FALLBACK_ORDER if t in wanted] + [t for t in api.FALLBACK_ORDER if t not in wanted]
        return order, None, f"available_data not answered ({error.reason}); catalogue area types tried first"
    order = [t for t in api.FALLBACK_ORDER if t in listed]
    return order, listed, "area types from available_data"


def _words(text: str) -> set[str]:
    text = re.sub(r"(\d)s\b", r"\1", text.lower().replace("'", "").replace("breast milk", "breastmilk"))
    return {w for w in re.findall(r"[a-z0-9]+", text) if w not in _STOPWORDS}


_STOPWORDS = {"of", "the", "a", "an", "in", "to", "at", "for", "and", "by", "s"}


def name_matches(expected: str, published: str) -> bool:
    """True when every significant word of the expected name is in the published one (case, punctuation ignored)."""
    wanted = _words(expected)
    return bool(wanted) and wanted <= _words(published)


def check_name(meta: catalog.Indicator, published: str, url: str) -> None:
    """Stop an indicator whose unverified Fingertips id names another indicator (one clear line)."""
    expected = meta.fingertips_name or meta.name
    if not published:
        raise api.FetchError(url, f"Fingertips id {meta.fingertips_id} is unverified and the API gave no name to "
                                  "check it against; not used")
    if not name_matches(expected, published):
        raise api.FetchError(url, f"Fingertips id {meta.fingertips_id} is named \"{published}\" by the API, not "
                                  f"\"{expected}\": wrong id? check fingertips_id of {meta.id} in "
                                  "nbutils/catalog.yaml (indicator stopped)")


def fetch_indicator(client: api.Client, meta: catalog.Indicator, keep: set[str] | None,
                    previous: dict | None) -> tuple[dict, list[tuple[Path, bytes]]]:
    """Download and check one indicator; return its manifest entry and the files to write (nothing written yet)."""
    fid = meta.fingertips_id
    parse = lambda url, body: api.parse_data(url, body, fid)  # noqa: E731
    order, listed, types_note = candidate_types(client, meta)
    metadata, metadata_warning = _fetch_metadata(client, meta, previous)
    chosen, tables, skipped = None, [], []
    for type_id in order:
        try:
            response, table = client.get(api.data_url(fid, type_id), parse)
        except api.FetchError as error:
            if not error.client_error:
                raise
            skipped.append(f"{type_id} ({error.reason})")  # e.g. HTTP 400: that type only; try the next
            continue
        if table.child_rows():
            chosen = type_id
            tables.append((type_id, response, table))
            break
        skipped.append(f"{type_id} (empty)")
    if chosen is None:
        reason = (f"Fingertips publishes no data for indicator {fid} for districts or counties "
                  f"(area types tried: {', '.join(skipped) or 'none listed by available_data'})")
        if meta.discontinued:
            reason += f"; discontinued: {meta.discontinued}"
        raise api.FetchError(api.data_url(fid, order[0] if order else api.FALLBACK_ORDER[0]), reason)
    if not meta.fingertips_verified:
        published = metadata.get("name") or tables[0][2].rows[0].get("Indicator Name", "").strip()
        check_name(meta, published, tables[0][1].url)
    county_type = api.COUNTY_TYPE_FOR.get(chosen)
    if county_type and (listed is None or county_type in listed):
        # District-level indicator: counties too, for two-tier districts' county comparator.
        try:
            response, table = client.get(api.data_url(fid, county_type), parse)
        except api.FetchError as error:
            if not error.client_error:
                raise
        else:
            if table.child_rows():
                tables.append((county_type, response, table))

    notes = []
    if chosen in (api.COUNTIES_2023, api.COUNTIES_2021):
        notes.append(COUNTY_ONLY_NOTE)
    if chosen in (api.DISTRICTS_2021, api.COUNTIES_2021):
        notes.append(OLD_BOUNDARIES_NOTE)

    folder = fetched_dir() / "fingertips"
    files, writes = [], []
    for type_id, response, table in tables:
        body, rows = _filtered_csv(table, keep)
        path = folder / f"{meta.id}.{type_id}.{hashlib.sha256(body).hexdigest()[:12]}.csv"
        files.append(_file_entry("data", response, path, body, rows, type_id))
        writes.append((path, body))

    if metadata.get("file"):
        files.append(metadata["file"])
        if metadata.get("write"):
            writes.append(metadata.pop("write"))
    entry = {
        "fingertips_id": fid,
        "name": tables[0][2].rows[0]["Indicator Name"] if tables[0][2].rows else meta.name,
        "fetched_at": tables[0][1].fetched_at,
        "area_type_id": chosen,
        "area_type": api.AREA_TYPE_NAMES[chosen],
        "area_types_source": types_note,
        "skipped_area_types": skipped,
        "name_checked": not meta.fingertips_verified,
        "note": "; ".join(notes),
        "data_date": max((_latest_period(t) for _, _, t in tables), default=""),
        "files": files,
        "metadata": {k: v for k, v in metadata.items() if k not in ("file", "write", "name")},
    }
    if metadata_warning:
        entry["metadata_warning"] = metadata_warning
    return entry, writes


def _fetch_metadata(client: api.Client, meta: catalog.Indicator, previous: dict | None) -> tuple[dict, str]:
    """Metadata is helpful but not essential: a failure keeps the previous metadata and is reported as a warning."""
    url = api.metadata_url(meta.fingertips_id)
    try:
        response, row = client.get(url, lambda u, b: api.parse_metadata(u, b, meta.fingertips_id))
    except api.FetchError as error:
        if _offline(error, client) or isinstance(error, api.DeadlineExceeded):
            raise
        old = (previous or {}).get("metadata", {})
        old_file = next((f for f in (previous or {}).get("files", []) if f.get("kind") == "metadata"), None)
        return ({**old, "file": old_file} if old_file else dict(old)), f"metadata not updated: {error.reason}"
    fields = {key: row.get(column, "").strip() for key, column in METADATA_FIELDS.items()}
    fields = {key: text for key, text in fields.items() if text}
    body = json.dumps({"indicator_id": meta.id, "fingertips_id": meta.fingertips_id, "url": url,
                       "fetched_at": response.fetched_at, "fields": fields, "published": row},
                      indent=1, ensure_ascii=False).encode("utf-8")
    path = fetched_dir() / "fingertips" / f"{meta.id}.metadata.{hashlib.sha256(body).hexdigest()[:12]}.json"
    file_entry = _file_entry("metadata", response, path, body, 1)
    return {"fetched_at": response.fetched_at, "fields": fields, "file": file_entry, "write": (path, body),
            "name": row.get("Indicator", "").strip()}, ""


# --------------------------------------------------------------------------------------------------- orchestration


@contextlib.contextmanager
def _lock():
    """One fetch at a time per project (two would race on the manifest)."""
    with locks.exclusive(fetched_dir() / ".fetch.lock"):
        yield


def _write_manifest(manifest: dict) -> None:
    api.atomic_write(manifest_path(), json.dumps(manifest, indent=1, ensure_ascii=False).encode("utf-8"))


def _remove_unreferenced(manifest: dict) -> None:
    """Delete fetched files no manifest entry names any more (only after the new manifest is in place)."""
    referenced = {f["path"] for entry in manifest["indicators"].values() for f in entry.get("files", [])}
    folder = fetched_dir() / "fingertips"
    for path in folder.glob("*"):
        if path.is_file() and not path.name.startswith(".") and str(path.relative_to(fetched_dir())) not in referenced:
            path.unlink(missing_ok=True)


def snapshot_date() -> str:
    """The latest retrieval date of the embedded Fingertips extracts (data/manifest.json), for the offline message."""
    from .sources.manifest import load_manifest

    try:
        sources = load_manifest()["sources"]
    except (WorkbookError, KeyError, json.JSONDecodeError):
        return "unknown"
    dates = [s.get("retrieved", "") for s in sources.values() if "fingertips" in s.get("publisher", "").lower()]
    dates = [d for d in dates if d] or [s.get("retrieved", "") for s in sources.values() if s.get("retrieved")]
    return max(dates) if dates else "unknown"


def _previous_text(indicator_id: str, previous: dict | None) -> str:
    if previous:
        return (f"previous data kept (fetched {previous.get('fetched_at', '?')}, "
                f"data to {previous.get('data_date', '?')})")
    return "the embedded snapshot is used"


def fetch(indicators: list[str] | None = None, areas: str | None = None, refresh: bool = False,
          timeout: float = 30.0, retries: int = 3, backoff: float = 1.0,
          log: Callable[[str], None] = print, deadline: float = FETCH_DEADLINE,
          indicator_deadline: float = INDICATOR_DEADLINE, max_bytes: int = api.MAX_RESPONSE_BYTES) -> FetchSummary:
    """Fetch catalogue indicators from Fingertips; see the module docstring. Raises NetworkUnavailable.

    Parameters
    ----------
    timeout : seconds to connect and for each read.
    deadline : seconds the whole fetch may take; indicator_deadline : seconds one indicator may take.
    max_bytes : the largest response accepted.
    """
    selected = select_indicators(indicators)
    keep = area_filter(areas)
    client = api.Client(timeout=timeout, retries=retries, backoff=backoff, cache_dir=cache_dir(), refresh=refresh,
                        max_bytes=max_bytes)
    fetch_ends = time.monotonic() + deadline
    summary = FetchSummary()
    log(f"fetching {len(selected)} indicator(s) from {api.base_url()}"
        + (f" for {areas} and comparators" if areas else ""))
    if not indicators:
        for meta in catalog.with_fingertips():
            if meta.discontinued:
                log(f"skip   {meta.id} ({meta.fingertips_id}): discontinued ({meta.discontinued}); "
                    "name it in --indicators to fetch it anyway")
    with _lock():
        manifest = load_fetched_manifest()
        manifest.setdefault("indicators", {})
        for meta in selected:
            previous = manifest["indicators"].get(meta.id)
            client.deadline = min(fetch_ends, time.monotonic() + indicator_deadline)
            try:
                entry, writes = fetch_indicator(client, meta, keep, previous)
            except api.FetchError as error:
                if error.unreachable and client.answered == 0:
                    raise NetworkUnavailable(
                        f"no network: could not reach the Fingertips API ({error.reason}); packs will use the "
                        f"embedded snapshot dated {snapshot_date()}") from None
                if _offline(error, client):
                    raise NetworkUnavailable(
                        f"the Fingertips API at {api.base_url()} answered no request in full ({error.reason}); "
                        f"nothing changed, packs will use the embedded snapshot dated {snapshot_date()}") from None
                if isinstance(error, api.DeadlineExceeded):
                    limit = (f"the whole fetch's {deadline:g} s (--deadline)" if time.monotonic() >= fetch_ends
                             else f"{indicator_deadline:g} s for one indicator")
                    error.reason = f"not finished within {limit}"
                message = f"{error.reason}; {_previous_text(meta.id, previous)}"
                summary.results.append(IndicatorResult(meta.id, False, message))
                log(f"FAILED {meta.id} ({meta.fingertips_id}): {message}")
                continue
            # Files first (new names, so nothing current is overwritten), then the manifest that points at them.
            for path, body in writes:
                api.atomic_write(path, body)
            manifest["indicators"][meta.id] = entry
            manifest.update({"source": "OHID Fingertips API", "base_url": api.base_url(),
                             "updated_at": entry["fetched_at"]})
            _write_manifest(manifest)
            rows = sum(f["rows"] for f in entry["files"] if f["kind"] == "data")
            cached = all(f.get("from_cache") for f in entry["files"])
            extra = "".join(f"; {text}" for text in (entry["note"], entry.get("metadata_warning", "")) if text)
            message = (f"{rows} rows, {entry['area_type']}, data to {entry['data_date']}"
                       + (" (from cache)" if cached else "") + extra)
            summary.results.append(IndicatorResult(meta.id, True, message))
            log(f"ok     {meta.id} ({meta.fingertips_id}): {message}")
        _remove_unreferenced(manifest)
    summary.requests_made = client.requests_made
    return summary


def seconds_option(option: str, value, maximum: float) -> float:
    """A number of seconds given on the command line: finite, above 0 and at most ``maximum``."""
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        seconds = math.nan
    if not math.isfinite(seconds) or not 0 < seconds <= maximum:
        raise WorkbookError(f"{option} {value}: give a number of seconds above 0 and at most {maximum:g}")
    return seconds


def main_fetch(args, out=None) -> int:
    """The ``data fetch`` command: 0 all fetched, 1 some failed (previous data kept), 3 no network."""
    out = out or sys.stdout
    requested = [i.strip() for i in args.indicators.split(",") if i.strip()] if args.indicators else None
    timeout = seconds_option("--timeout", args.timeout, MAX_TIMEOUT)
    deadline = seconds_option("--deadline", getattr(args, "deadline", FETCH_DEADLINE), MAX_DEADLINE)
    summary = fetch(requested, areas=args.areas, refresh=args.refresh, timeout=timeout, deadline=deadline,
                    log=lambda line: print(line, file=out, flush=True))
    done = len(summary.results) - len(summary.failed)
    print(f"{done} of {len(summary.results)} indicator(s) fetched into {fetched_dir()} "
          f"({summary.requests_made} request(s); cached responses reused, --refresh to download again)", file=out)
    if summary.failed:
        print(f"{len(summary.failed)} failed; their previous data are unchanged", file=out)
    return 1 if summary.failed else 0
