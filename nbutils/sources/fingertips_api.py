"""A small, careful client for the OHID Fingertips API (its CSV endpoints).

Compared with fingertips_py and fingertipsR it always sets a timeout, retries transient failures (5xx, dropped
or refused connections, timeouts) with exponential backoff but never a 4xx, honours HTTP(S)_PROXY from the
environment (urllib's default ProxyHandler), names itself in the User-Agent, caches validated responses under
``data/cache/fingertips/`` and checks every body before it is used: an HTML error page served with status 200,
a truncated download or a CSV without the published columns is rejected, never cached and never stored.

Endpoints (https://fingertips.phe.org.uk/api, the same ones fingertips_py builds):

- ``all_data/csv/by_indicator_id?indicator_ids=ID&child_area_type_id=T&parent_area_type_id=6``: every period,
  sex, age and category for areas of type T, their regions (parent type 6) and England;
- ``indicator_metadata/csv/by_indicator_id?indicator_ids=ID``: name, definition, rationale, caveats, method;
- ``available_data?indicator_id=ID``: JSON list of the area types (``AreaTypeId``) the indicator has data for.

Data are requested with ``include_sortable_time_periods=yes``, which adds the "Time period Sortable" column
(e.g. ``20230000`` for 2023/24) used to order periods.

Area type ids (checked against fingertipsR/fingertips_py users' code and PHE's PholioVisualisation source):
501 Districts & UAs (from Apr 2023), 502 Counties & UAs (from Apr 2023), 401/402 the same for 2021/22-2022/23
boundaries, 6 Government Office Region, 15 England.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import http.client
import io
import json
import math
import os
import socket
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__

DEFAULT_BASE_URL = "https://fingertips.phe.org.uk/api"
BASE_URL_ENV = "NBUTILS_FINGERTIPS_URL"
USER_AGENT = f"nbutils/{__version__} (infant and maternal health needs-assessment workbook; python-urllib)"

DISTRICTS_2023, COUNTIES_2023, DISTRICTS_2021, COUNTIES_2021 = 501, 502, 401, 402
REGION, ENGLAND = 6, 15
AREA_TYPE_NAMES = {
    DISTRICTS_2023: "Districts & UAs (from Apr 2023)",
    COUNTIES_2023: "Counties & UAs (from Apr 2023)",
    DISTRICTS_2021: "Districts & UAs (2021/22-2022/23)",
    COUNTIES_2021: "Counties & UAs (2021/22-2022/23)",
}
# Tried in this order until one has rows: current districts, current counties, then the 2021 boundaries.
FALLBACK_ORDER = (DISTRICTS_2023, COUNTIES_2023, COUNTIES_2021, DISTRICTS_2021)
COUNTY_TYPE_FOR = {DISTRICTS_2023: COUNTIES_2023, DISTRICTS_2021: COUNTIES_2021}
# Catalogue area_types -> Fingertips area type ids (used when available_data cannot be asked).
TYPES_FOR_LEVEL = {"district": (DISTRICTS_2023, DISTRICTS_2021), "county": (COUNTIES_2023, COUNTIES_2021)}

# The published all_data CSV layout. The column after "Compared to England value or percentiles" is named after
# the parent area type ("Compared to Region value or percentiles", "Compared to percentiles"...), so only the
# columns every layout shares are required.
DATA_COLUMNS = [
    "Indicator ID", "Indicator Name", "Parent Code", "Parent Name", "Area Code", "Area Name", "Area Type", "Sex",
    "Age", "Category Type", "Category", "Time period", "Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit",
    "Lower CI 99.8 limit", "Upper CI 99.8 limit", "Count", "Denominator", "Value note", "Recent Trend",
    "Compared to England value or percentiles",
]
METADATA_COLUMNS = ["Indicator ID", "Indicator", "Definition"]
ENGLAND_CODE = "E92000001"

#: The largest response accepted (bytes): the biggest real all_data CSV is a few MB; a body past this is refused
#: while it downloads (streamed to a temporary file, never held whole in memory before it has passed the cap).
MAX_RESPONSE_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 64 * 1024
#: Numeric columns of the all_data CSV that must hold finite numbers when not blank.
NUMERIC_COLUMNS = ("Value", "Lower CI 95.0 limit", "Upper CI 95.0 limit", "Lower CI 99.8 limit",
                   "Upper CI 99.8 limit", "Count", "Denominator")

_UNREACHABLE_ERRNOS = {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ENETDOWN,
                       errno.EHOSTDOWN}


class FetchError(Exception):
    """A download that failed or a response that did not pass the checks; ``unreachable`` if no server answered."""

    def __init__(self, url: str, reason: str, unreachable: bool = False, status: int | None = None,
                 timed_out: bool = False) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.unreachable = unreachable
        self.status = status  # the HTTP status when the server refused the request
        self.timed_out = timed_out  # no (complete) answer in time: a read timeout or a deadline

    @property
    def client_error(self) -> bool:
        """HTTP 4xx: this request will not work, but another (e.g. another area type) may."""
        return self.status is not None and 400 <= self.status < 500


class InvalidResponse(FetchError):
    """The server answered, but not with what was asked for (HTML page, wrong columns, truncated CSV...)."""


class ResponseTooLarge(InvalidResponse):
    """A response larger than the client's cap (refused while downloading; never retried)."""


class DeadlineExceeded(FetchError):
    """The time allowed for an indicator or for the whole fetch ran out (never retried)."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, timed_out=True)


@dataclass(frozen=True)
class Response:
    """A validated response body and where it came from."""

    url: str
    body: bytes
    fetched_at: str
    from_cache: bool

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.body).hexdigest()


@dataclass(frozen=True)
class Table:
    """A parsed all_data CSV: its header and rows (each a dict keyed by column)."""

    header: list[str]
    rows: list[dict[str, str]]

    def child_rows(self) -> list[dict[str, str]]:
        """Rows for the requested area type (not England, not the parent regions)."""
        return [r for r in self.rows if r["Area Code"] != ENGLAND_CODE and not r["Area Code"].startswith("E12")]


def base_url() -> str:
    return os.environ.get(BASE_URL_ENV, DEFAULT_BASE_URL).rstrip("/")


def data_url(indicator_id: int, area_type_id: int, parent_area_type_id: int = REGION) -> str:
    query = urllib.parse.urlencode({"indicator_ids": indicator_id, "child_area_type_id": area_type_id,
                                    "parent_area_type_id": parent_area_type_id,
                                    "include_sortable_time_periods": "yes"})
    return f"{base_url()}/all_data/csv/by_indicator_id?{query}"


def available_data_url(indicator_id: int) -> str:
    return f"{base_url()}/available_data?{urllib.parse.urlencode({'indicator_id': indicator_id})}"


def metadata_url(indicator_id: int) -> str:
    query = urllib.parse.urlencode({"indicator_ids": indicator_id})
    return f"{base_url()}/indicator_metadata/csv/by_indicator_id?{query}"


# --------------------------------------------------------------------------------------------------- validation


def _text(url: str, body: bytes) -> str:
    start = body.lstrip()[:200].lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body")):
        raise InvalidResponse(url, "the server sent an HTML page instead of CSV (an error or maintenance page)")
    try:
        return body.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InvalidResponse(url, f"the response is not UTF-8 text ({error.reason} at byte {error.start})") from None


def parse_csv(url: str, body: bytes, required: list[str]) -> Table:
    """Parse and check a CSV body: required columns, every row complete, nothing cut off mid-field."""
    text = _text(url, body)
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        raise InvalidResponse(url, "the response is empty (no CSV header)") from None
    except csv.Error as error:
        raise InvalidResponse(url, f"the CSV header cannot be read ({error})") from None
    header = [h.strip() for h in header]
    missing = [c for c in required if c not in header]
    if missing:
        raise InvalidResponse(url, f"the CSV lacks expected column(s) {', '.join(missing)}; "
                                   f"got {', '.join(header[:8])}...")
    rows = []
    try:
        for line_number, fields in enumerate(reader, start=2):
            if not fields:
                continue
            if len(fields) != len(header):
                raise InvalidResponse(url, f"CSV line {line_number} has {len(fields)} fields, the header "
                                           f"{len(header)}: the download is truncated or malformed")
            rows.append(dict(zip(header, fields)))
    except csv.Error as error:  # e.g. a quoted field left open because the body was cut off
        raise InvalidResponse(url, f"the CSV is truncated or malformed ({error})") from None
    return Table(header, rows)


def parse_data(url: str, body: bytes, indicator_id: int) -> Table:
    """An all_data CSV for one indicator, with numeric Values; may have no rows (not published for that type)."""
    table = parse_csv(url, body, DATA_COLUMNS)
    for row in table.rows:
        if row["Indicator ID"].strip() != str(indicator_id):
            raise InvalidResponse(url, f"the CSV holds indicator {row['Indicator ID']!r}, not {indicator_id}")
        value = row["Value"].strip()
        if value:
            try:
                float(value)
            except ValueError:
                raise InvalidResponse(url, f"Value {value!r} for {row['Area Code']} {row['Time period']} is not "
                                           "a number") from None
        for column in NUMERIC_COLUMNS:
            text = row[column].strip()
            try:
                finite = not text or math.isfinite(float(text))
            except ValueError:
                continue  # not a number at all: only Value must be one (checked above)
            if not finite:
                raise InvalidResponse(url, f"{column} {text!r} for {row['Area Code']} {row['Time period']} is not a "
                                           "finite number")
    return table


def parse_metadata(url: str, body: bytes, indicator_id: int) -> dict[str, str]:
    """The metadata CSV's one row for the indicator, as column -> text."""
    table = parse_csv(url, body, METADATA_COLUMNS)
    rows = [r for r in table.rows if r["Indicator ID"].strip() == str(indicator_id)]
    if not rows:
        raise InvalidResponse(url, f"the metadata CSV has no row for indicator {indicator_id}")
    return rows[0]


def parse_available_data(url: str, body: bytes) -> set[int]:
    """The area type ids an ``available_data`` JSON answer lists (``[{"AreaTypeId": 502, ...}, ...]``)."""
    text = _text(url, body)
    try:
        # json's parser is bounded by the interpreter's recursion limit: absurd nesting ends in RecursionError.
        items = json.loads(text, parse_constant=_no_constant)
        return {int(item["AreaTypeId"]) for item in items}
    except (json.JSONDecodeError, TypeError, KeyError, ValueError, RecursionError):
        raise InvalidResponse(url, "the available_data answer is not the expected JSON list of AreaTypeId") from None


def _no_constant(name: str):
    """Refuse JSON's non-standard NaN, Infinity and -Infinity (Python's json would accept them)."""
    raise ValueError(f"non-finite number {name}")


# --------------------------------------------------------------------------------------------------- client


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat()


def _unreachable(error: BaseException) -> bool:
    """True when no server answered at all: refused connection, DNS failure, no route, connect timeout."""
    reason = error.reason if isinstance(error, urllib.error.URLError) else error
    if isinstance(reason, socket.gaierror):
        return True
    if isinstance(error, urllib.error.URLError) and isinstance(reason, TimeoutError):
        return True  # urllib wraps only connect/send failures in URLError, so this timed out connecting
    return isinstance(reason, OSError) and reason.errno in _UNREACHABLE_ERRNOS


@dataclass
class Client:
    """HTTP for the Fingertips API: timeouts, retries with backoff, environment proxies, a validated cache.

    Parameters
    ----------
    timeout : seconds to connect, and seconds any single read may wait.
    retries : further attempts after a transient failure (5xx, 429, connection error, timeout, truncation).
    backoff : first wait in seconds; doubled after each failed attempt.
    cache_dir : where validated responses are kept (None: no cache).
    refresh : ignore cached responses (they are still replaced by fresh valid ones).
    max_bytes : the largest response accepted; a larger one is refused as it downloads.
    deadline : ``time.monotonic()`` by which every request must have ended (None: no deadline); the caller sets
        it per indicator and for the whole fetch. Reads, retries and waits are cut short to meet it.
    """

    timeout: float = 30.0
    retries: int = 3
    backoff: float = 1.0
    cache_dir: Path | None = None
    refresh: bool = False
    max_bytes: int = MAX_RESPONSE_BYTES
    deadline: float | None = None
    requests_made: int = 0
    answered: int = 0  # responses received from a server, whatever their status
    completed: int = 0  # responses received in full (a status and its whole body), whatever their status
    _opener: urllib.request.OpenerDirector = field(default_factory=urllib.request.build_opener, repr=False)

    def get(self, url: str, parse) -> tuple[Response, object]:
        """Return the response for ``url`` and ``parse(url, body)``; a cached copy is parsed again before use."""
        cached = None if self.refresh else self._cached(url)
        if cached is not None:
            try:
                return cached, parse(url, cached.body)
            except InvalidResponse:
                pass  # a cache file that no longer passes the checks is refetched, not trusted
        response = self._download(url)
        parsed = parse(url, response.body)
        self._store(response)
        return response, parsed

    # ----- network
    def _download(self, url: str) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT, "Accept": "text/csv, */*;q=0.5"})
        wait = self.backoff
        first = ""  # the first failure explains most (a later "connection refused" only says the server is gone)
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            self._check_deadline(url, first)
            try:
                return self._attempt(url, request)
            except urllib.error.HTTPError as error:
                self.answered += 1
                self.completed += 1
                reason = f"HTTP {error.code} {error.reason}"
                if not (error.code >= 500 or error.code == 429) or last:
                    raise FetchError(url, _with_first(reason, first, attempt), status=error.code) from None
            except (InvalidResponse, DeadlineExceeded):
                raise
            except (urllib.error.URLError, OSError, http.client.HTTPException) as error:
                self._check_deadline(url, first)  # a read cut short to meet the deadline
                reason = _describe(error)
                timed_out = _timed_out(error)
                # Nothing has ever answered (or nothing in full, for a timeout): one quick retry tells a blip from
                # no network or a server that does not answer; no need to wait 7 s.
                offline = (_unreachable(error) and self.answered == 0 or timed_out and self.completed == 0) \
                    and attempt >= 1
                if last or offline:
                    raise FetchError(url, _with_first(reason, first, attempt),
                                     unreachable=_unreachable(error) and self.answered == 0,
                                     timed_out=timed_out) from None
            first = first or reason
            time.sleep(self._bounded(wait))
            wait *= 2
        raise AssertionError("unreachable")  # the loop always returns or raises

    def _attempt(self, url: str, request: urllib.request.Request) -> Response:
        self.requests_made += 1
        with self._opener.open(request, timeout=self._bounded(self.timeout)) as reply:
            self.answered += 1
            content_type = reply.headers.get("Content-Type", "")
            if "html" in content_type.lower():
                raise InvalidResponse(url, f"the server sent an HTML page ({content_type}) instead of CSV")
            expected = reply.headers.get("Content-Length")
            if expected is not None and expected.isdigit() and int(expected) > self.max_bytes:
                raise self._too_large(url)
            body = self._read_capped(url, reply)
        if expected is not None and expected.isdigit() and len(body) != int(expected):
            raise http.client.IncompleteRead(body, int(expected) - len(body))
        self.completed += 1
        return Response(url, body, _now(), from_cache=False)

    def _read_capped(self, url: str, reply) -> bytes:
        """The body, read as it arrives into a temporary file: refused once past ``max_bytes``, and cut short at
        the deadline (each read waits at most until then, so a server sending a byte at a time cannot hold on)."""
        sock = getattr(getattr(reply.fp, "raw", None), "_sock", None)
        size = 0
        with tempfile.TemporaryFile(dir=self.cache_dir if self.cache_dir and self.cache_dir.is_dir() else None) \
                as spool:
            while True:
                self._check_deadline(url, "")
                if sock is not None:
                    sock.settimeout(self._bounded(self.timeout))
                chunk = reply.read1(CHUNK_BYTES)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise self._too_large(url)
                spool.write(chunk)
            spool.seek(0)
            return spool.read()

    def _too_large(self, url: str) -> ResponseTooLarge:
        return ResponseTooLarge(url, f"the response is larger than {self.max_bytes / 2**20:g} MB, the most one "
                                     "download may be (refused, not stored)")

    # ----- deadline
    def _bounded(self, seconds: float) -> float:
        """``seconds``, shortened to end by the deadline (never below 10 ms)."""
        if self.deadline is None:
            return seconds
        return max(0.01, min(seconds, self.deadline - time.monotonic()))

    def _check_deadline(self, url: str, first: str) -> None:
        if self.deadline is not None and time.monotonic() >= self.deadline:
            raise DeadlineExceeded(url, _with_first("the time allowed ran out before the server finished", first, 0))

    # ----- cache
    def _cache_path(self, url: str) -> Path | None:
        if self.cache_dir is None:
            return None
        return self.cache_dir / hashlib.sha256(url.encode()).hexdigest()

    def _cached(self, url: str) -> Response | None:
        path = self._cache_path(url)
        if path is None:
            return None
        try:
            info = json.loads(path.with_suffix(".json").read_text())
            body = path.with_suffix(".csv").read_bytes()
        except (FileNotFoundError, json.JSONDecodeError):
            return None
        if info.get("url") != url or info.get("sha256") != hashlib.sha256(body).hexdigest():
            return None
        return Response(url, body, info["fetched_at"], from_cache=True)

    def _store(self, response: Response) -> None:
        path = self._cache_path(response.url)
        if path is None:
            return
        info = {"url": response.url, "fetched_at": response.fetched_at, "sha256": response.sha256,
                "bytes": len(response.body)}
        # Body first, then the record that vouches for it: a crash in between leaves a body no record matches.
        atomic_write(path.with_suffix(".csv"), response.body)
        atomic_write(path.with_suffix(".json"), json.dumps(info, indent=1).encode())


def _with_first(reason: str, first: str, attempt: int) -> str:
    tries = f" after {attempt + 1} attempts" if attempt else ""
    if first and first != reason:
        return f"{first}; then {reason}{tries}"
    return f"{reason}{tries}"


def _timed_out(error: BaseException) -> bool:
    return isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError)


def _describe(error: BaseException) -> str:
    if isinstance(error, http.client.IncompleteRead):
        return (f"the connection closed after {len(error.partial)} bytes, {error.expected} short of the announced "
                "length (truncated download)")
    if isinstance(error, TimeoutError) or isinstance(getattr(error, "reason", None), TimeoutError):
        return "timed out waiting for the server"
    reason = getattr(error, "reason", error)
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host name ({reason.strerror or reason})"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(error, urllib.error.URLError):
        return str(reason.strerror if isinstance(reason, OSError) and reason.strerror else reason)
    if isinstance(error, (ConnectionResetError, http.client.RemoteDisconnected)):
        return "the server closed the connection mid-response"
    return str(error) or type(error).__name__


def atomic_write(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, then rename: readers see the old file or the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
