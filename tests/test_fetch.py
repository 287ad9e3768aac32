"""``nbutils data fetch`` against a local HTTP server standing in for OHID Fingertips; no test uses the internet.

The server replays responses in the real Fingertips formats: the all_data CSV with its published 27-column layout,
the indicator metadata CSV, an HTML error page served with status 200, HTTP 500, a slow server, an empty result for
an area type the indicator is not published for, a truncated body, and a server that dies mid-download.
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from nbutils import catalog, cli, fetch
from nbutils.catalog import Indicator
from nbutils.sources import fingertips_api as api

# ----------------------------------------------------------------------------------------------------- fixtures
# FIXTURES in the exact all_data CSV layout. Values are real published Fingertips values (February 2020 extract,
# psychty/la-ph-walkthrough; FingertipsNext seed extract for England 2023/24) except where marked FIXTURE-ONLY.

FIXTURES = Path(__file__).parent / "data" / "fingertips"
# The real published headers (see tests/data/fingertips/README.md): 27 data columns, the metadata's 30.
HEADER = (FIXTURES / "all_data_header.csv").read_text().strip()
METADATA_HEADER = (FIXTURES / "indicator_metadata_header.csv").read_text().strip()
SATOD = "Smoking status at time of delivery"
C23 = "Counties & UAs (from Apr 2023)"
D23 = "Districts & UAs (from Apr 2023)"
KENT_2023_24 = 9.8  # FIXTURE-ONLY: not a published value (at SATOD's published 1 decimal); marks fetched rows in tests


def _line(*fields) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(fields)
    return out.getvalue()


def _satod_row(code, name, area_type, period, sortable, value, lo, hi, count, denom, compared, parent=("", "")):
    return _line(93085, SATOD, parent[0], parent[1], code, name, area_type, "Female", "All ages", "", "", period,
                 value, lo, hi, "", "", count, denom, "", "", compared, "", sortable, "", "", "1y")


SATOD_EMPTY = HEADER + "\n"  # what Fingertips returns for an area type the indicator is not published for
SATOD_COUNTIES = HEADER + "\n" + "".join([
    _satod_row("E92000001", "England", "England", "2018/19", "20180000", 10.5861, 10.5072, 10.6656, 61399, 579995, ""),
    _satod_row("E92000001", "England", "England", "2023/24", "20230000", 7.4, 7.35362, 7.49562, 38884, 523739, ""),
    _satod_row("E10000016", "Kent", C23, "2018/19", "20180000", 13.8003, 13.2704, 14.3479, 2173, 15746, "Worse",
               ("E12000008", "South East region")),
    _satod_row("E10000016", "Kent", C23, "2023/24", "20230000", KENT_2023_24, 9.4, 10.3, 1400, 14185, "Worse",
               ("E12000008", "South East region")),
    _satod_row("E06000035", "Medway", C23, "2018/19", "20180000", 15.8694, 14.7051, 17.1075, 564, 3554, "Worse",
               ("E12000008", "South East region")),
])

BF = "Breastfeeding initiation"


def _bf_row(code, name, area_type, value, lo, hi, count, denom, compared, note=""):
    return _line(20201, BF, "E12000006", "East of England region", code, name, area_type, "Female", "All ages", "",
                 "", "2016/17", value, lo, hi, "", "", count, denom, note, "", compared, "", "20160000", "", "", "1y")


BF_DISTRICTS = HEADER + "\n" + "".join([
    _line(20201, BF, "", "", "E92000001", "England", "England", "Female", "All ages", "", "", "2016/17", 74.4852,
          74.3767, 74.5934, "", "", "", "", "", "", "", "", "20160000", "", "", "1y"),
    _bf_row("E07000008", "Cambridge", D23, 84.8447, 83.0103, 86.5132, 1366, 1610, "Better"),
])
BF_COUNTIES = HEADER + "\n" + _bf_row("E10000003", "Cambridgeshire", C23, "", "", "", "", "", "Not compared",
                                      "Value not published for data quality reasons")

def _metadata(fid, name, definition):
    """A metadata CSV in the real layout; only the name, definition and a few fields are filled."""
    fields = dict.fromkeys(METADATA_HEADER.split(","), "")
    fields.update({"Indicator ID": fid, "Indicator": name, "Definition": definition,
                   "Rationale": "Smoking in pregnancy harms the baby.", "Data source": "NHS England SATOD collection",
                   "Indicator source": "OHID", "Methodology": "Numerator / denominator x 100",
                   "Caveats": "Known status only.", "Unit": "%", "Value type": "Proportion",
                   "Year type": "Financial", "Polarity": "RAG - Low is good"})
    return METADATA_HEADER + "\n" + _line(*fields.values())


HTML_ERROR = b"<!DOCTYPE html><html><head><title>Fingertips - Error</title></head><body>Sorry</body></html>"


class FakeFingertips:
    """A local stand-in for the Fingertips API: routes -> a list of behaviours (the last repeats)."""

    def __init__(self) -> None:
        self.routes: dict[tuple, list] = {}
        self.requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                fake.requests.append(self.path)
                behaviours = fake.routes.get(fake.key(self.path)) or [("status", 404, b"Not found")]
                behaviour = behaviours.pop(0) if len(behaviours) > 1 else behaviours[0]
                fake.respond(self, *behaviour)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/api"

    @staticmethod
    def key(path: str) -> tuple:
        parsed = urllib.parse.urlparse(path)
        query = dict(urllib.parse.parse_qsl(parsed.query))
        if "available_data" in parsed.path:
            return "available", query.get("indicator_id"), None
        kind = "metadata" if "indicator_metadata" in parsed.path else "data"
        return kind, query.get("indicator_ids"), query.get("child_area_type_id")

    def route(self, kind, indicator, area_type=None, *behaviours):
        self.routes[(kind, str(indicator), None if area_type is None else str(area_type))] = list(behaviours)

    def respond(self, handler, kind, *args):
        if kind == "json":
            self._send(handler, 200, json.dumps(args[0]).encode(), "application/json; charset=utf-8")
        elif kind == "csv":
            self._send(handler, 200, args[0].encode() if isinstance(args[0], str) else args[0], "text/csv")
        elif kind == "status":
            self._send(handler, args[0], args[1], "text/plain")
        elif kind == "html200":
            self._send(handler, 200, HTML_ERROR, "text/html; charset=utf-8")
        elif kind == "sleep":
            time.sleep(args[0])
            with_body = args[1].encode()
            try:
                self._send(handler, 200, with_body, "text/csv")
            except OSError:
                pass
        elif kind == "unlimited":  # a body of args[0] bytes, sent with or without its length (args[1])
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            if args[1]:
                handler.send_header("Content-Length", str(args[0]))
            handler.end_headers()
            try:
                line = (HEADER + "\n").encode()
                handler.wfile.write(line)
                for _ in range(args[0] // len(line)):
                    handler.wfile.write(line)
            except OSError:
                pass  # the client hung up, as it should
            handler.close_connection = True
        elif kind == "drip":  # headers at once, then one byte every args[0] s, for up to args[1] s
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            handler.end_headers()
            until = time.monotonic() + args[1]
            try:
                while time.monotonic() < until:
                    handler.wfile.write(b"I")
                    handler.wfile.flush()
                    time.sleep(args[0])
            except OSError:
                pass
            handler.close_connection = True
        elif kind in ("truncate", "die"):
            body = args[0].encode()
            handler.send_response(200)
            handler.send_header("Content-Type", "text/csv")
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            if kind == "die":  # the server process going away mid-download: no further connections accepted
                self.server.socket.close()
                threading.Thread(target=self.server.shutdown, daemon=True).start()
            handler.close_connection = True
            handler.connection.shutdown(socket.SHUT_RDWR)

    @staticmethod
    def _send(handler, status, body: bytes, content_type: str):
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _catalogue_fixture() -> dict[str, Indicator]:
    common = dict(topic="smoking", unit="%", multiplier=100, polarity="low-is-good", ci_method="Wilson",
                  disclosure="maternity", source="OHID Fingertips", period="annual")
    return {
        "satod": Indicator(id="satod", name=SATOD, definition="Mothers smoking at delivery", fingertips_id=93085,
                           area_types=["county", "region", "england"], sections=["smoking: at delivery"], **common),
        "breastfeeding_initiation": Indicator(id="breastfeeding_initiation", name=BF, definition="Breastfeeding",
                                              fingertips_id=20201, area_types=["district", "county", "england"],
                                              **common),
        "census_only": Indicator(id="census_only", name="No Fingertips id", definition="x", **common),
    }


@pytest.fixture()
def server():
    fake = FakeFingertips()
    yield fake
    try:
        fake.close()
    except OSError:
        pass


@pytest.fixture()
def home(tmp_path, monkeypatch, server):
    """An empty project folder (only data/fetched and data/cache are used) and the fixture catalogue."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "manifest.json").write_text(json.dumps({"sources": {"fingertips-x": {
        "publisher": "Office for Health Improvement and Disparities (Fingertips)", "retrieved": "2026-11-21"}},
        "files": []}))
    monkeypatch.setenv("NBUTILS_HOME", str(project))
    monkeypatch.setenv(api.BASE_URL_ENV, server.url)
    monkeypatch.setattr(catalog, "catalogue", _catalogue_fixture)
    # Fast retries for tests; the production defaults wait 1, 2, 4 s.
    original = fetch.fetch
    monkeypatch.setattr(fetch, "fetch", lambda *a, **k: original(*a, **{**k, "backoff": 0.01}))
    return project


def available(*type_ids) -> tuple:
    """An available_data answer listing these area types (and regions, England), as the API's JSON."""
    return ("json", [{"IndicatorId": 0, "AreaTypeId": t, "SexId": 4, "AgeId": 1} for t in (*type_ids, 6, 15)])


def satod_routes(server, *county_behaviours):
    server.route("available", 93085, None, available(501, 502))
    server.route("data", 93085, 501, ("csv", SATOD_EMPTY))
    server.route("data", 93085, 502, *(county_behaviours or [("csv", SATOD_COUNTIES)]))
    server.route("metadata", 93085, None, ("csv", _metadata(93085, SATOD, "Mothers known to smoke at delivery")))


def run(*args, timeout="2"):
    return cli.main(["data", "fetch", *args, "--timeout", timeout])


def manifest(home: Path) -> dict:
    return json.loads((home / "data" / "fetched" / "manifest.json").read_text())


def files_snapshot(home: Path) -> dict[str, bytes]:
    folder = home / "data" / "fetched"
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()
            and not p.name.startswith(".")}


# ----------------------------------------------------------------------------------------------------- tests


def test_success_with_county_fallback_note_metadata_and_provenance(home, server, capsys):
    satod_routes(server)
    assert run("--indicators", "satod") == 0
    entry = manifest(home)["indicators"]["satod"]
    assert entry["area_type_id"] == 502 and entry["note"] == fetch.COUNTY_ONLY_NOTE
    assert entry["data_date"] == "2023/24"
    data = [f for f in entry["files"] if f["kind"] == "data"]
    assert len(data) == 1 and data[0]["rows"] == 5 and data[0]["url"].endswith(
        "indicator_ids=93085&child_area_type_id=502&parent_area_type_id=6&include_sortable_time_periods=yes")
    stored = (home / "data" / "fetched" / data[0]["path"]).read_bytes()
    assert stored == SATOD_COUNTIES.encode()  # unfiltered: byte-for-byte what Fingertips sent
    assert data[0]["sha256"] == api.hashlib.sha256(stored).hexdigest() and data[0]["fetched_at"]
    info = fetch.fetched_info("satod")
    assert info["definition"] == "Mothers known to smoke at delivery" and info["caveats"] == "Known status only."
    assert info["note"] == fetch.COUNTY_ONLY_NOTE and info["data_date"] == "2023/24"
    assert fetch.fetched_info("breastfeeding_initiation") is None
    out = capsys.readouterr().out
    assert "ok     satod" in out and "counties/UAs only" in out
    # The district request came back empty first: that is the fallback, not an error.
    assert [FakeFingertips.key(p)[2] for p in server.requests if "all_data" in p] == ["501", "502"]


def test_district_indicator_also_fetches_counties(home, server):
    server.route("data", 20201, 501, ("csv", BF_DISTRICTS))
    server.route("data", 20201, 502, ("csv", BF_COUNTIES))
    server.route("metadata", 20201, None, ("csv", _metadata(20201, BF, "Babies breastfed at birth")))
    assert run("--indicators", "20201") == 0
    entry = manifest(home)["indicators"]["breastfeeding_initiation"]
    assert entry["area_type_id"] == 501 and entry["note"] == ""
    assert sorted(f["area_type_id"] for f in entry["files"] if f["kind"] == "data") == [501, 502]


def test_html_error_page_with_status_200_is_rejected(home, server, capsys):
    server.route("data", 93085, 501, ("html200",))
    assert run("--indicators", "satod") == 1
    out = capsys.readouterr().out
    assert "FAILED satod" in out and "HTML page" in out and "embedded snapshot is used" in out
    assert not (home / "data" / "fetched" / "manifest.json").exists()
    assert not list((home / "data" / "cache").rglob("*.csv")) if (home / "data" / "cache").exists() else True


def test_http_500_is_retried_then_succeeds(home, server):
    satod_routes(server, ("status", 500, b"Internal Server Error"), ("csv", SATOD_COUNTIES))
    assert run("--indicators", "satod") == 0
    county_requests = [p for p in server.requests if "child_area_type_id=502" in p]
    assert len(county_requests) == 2


def test_http_4xx_is_not_retried_and_moves_to_the_next_area_type(home, server, capsys):
    server.route("data", 93085, 501, ("status", 404, b"Not found"))  # and every other URL: 404 by default
    assert run("--indicators", "satod") == 1
    data = [p for p in server.requests if "all_data" in p]
    assert len(data) == 4 and len(set(server.requests)) == len(server.requests)  # each URL asked once
    out = capsys.readouterr().out
    assert "FAILED satod" in out and "HTTP 404" in out


def _fetch_good_satod(home, server):
    satod_routes(server)
    assert run("--indicators", "satod") == 0
    return files_snapshot(home)


def test_read_timeout_fails_without_damage(home, server, capsys):
    before = _fetch_good_satod(home, server)
    server.routes.clear()
    satod_routes(server, ("sleep", 1.5, SATOD_COUNTIES))
    started = time.monotonic()
    assert cli.main(["data", "fetch", "--indicators", "satod", "--refresh", "--timeout", "0.3"]) == 1
    assert time.monotonic() - started < 20
    assert files_snapshot(home) == before
    out = capsys.readouterr().out
    assert "timed out" in out and "previous data kept" in out


def test_truncated_csv_is_rejected_and_previous_data_intact(home, server, capsys):
    before = _fetch_good_satod(home, server)
    server.routes.clear()
    satod_routes(server, ("truncate", SATOD_COUNTIES))
    assert run("--indicators", "satod", "--refresh") == 1
    assert files_snapshot(home) == before
    assert "truncated" in capsys.readouterr().out


def test_truncated_rows_without_content_length_are_rejected():
    cut = SATOD_COUNTIES[: SATOD_COUNTIES.index("Medway") + 3]
    with pytest.raises(api.InvalidResponse, match="truncated|fields"):
        api.parse_data("http://x", cut.encode(), 93085)
    with pytest.raises(api.InvalidResponse, match="expected column"):
        api.parse_data("http://x", b"Indicator ID,Value\n93085,1\n", 93085)
    with pytest.raises(api.InvalidResponse, match="not a number"):
        api.parse_data("http://x", SATOD_COUNTIES.replace("13.8003", "n/a").encode(), 93085)


def test_server_killed_mid_download_keeps_previous_data(home, server, capsys):
    before = _fetch_good_satod(home, server)
    server.routes.clear()
    satod_routes(server, ("die", SATOD_COUNTIES))
    assert run("--indicators", "satod", "--refresh") == 1
    assert files_snapshot(home) == before
    out = capsys.readouterr().out
    assert "FAILED satod" in out and "previous data kept" in out


def test_no_network_one_line_and_exit_code(home, monkeypatch, capsys):
    with socket.socket() as probe:  # a port nothing listens on: connection refused
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(api.BASE_URL_ENV, f"http://127.0.0.1:{port}/api")
    assert run("--indicators", "satod") == fetch.EXIT_NETWORK_UNAVAILABLE == 3
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("nbutils: no network: could not reach the Fingertips API (")
    assert "embedded snapshot dated 2026-11-21" in lines[0]


def test_cache_hit_on_rerun_and_refresh_refetches(home, server):
    satod_routes(server)
    assert run("--indicators", "satod") == 0
    first = len(server.requests)
    assert first == 4  # available_data, metadata, districts (empty), counties
    assert run("--indicators", "satod") == 0
    assert len(server.requests) == first  # everything from the cache
    assert run("--indicators", "satod", "--refresh") == 0
    assert len(server.requests) == 2 * first


def test_not_published_anywhere_is_a_clear_failure(home, server, capsys):
    for area_type in api.FALLBACK_ORDER:
        server.route("data", 93085, area_type, ("csv", SATOD_EMPTY))
    assert run("--indicators", "satod") == 1
    assert "publishes no data for indicator 93085" in capsys.readouterr().out


def test_unknown_indicator_is_bad_input(home, capsys):
    assert run("--indicators", "nope") == 2
    err = capsys.readouterr().err
    assert "nope" in err and "satod (93085)" in err


def test_areas_filter_keeps_area_and_comparators(home, server, monkeypatch):
    satod_routes(server)
    monkeypatch.setattr(fetch, "area_filter", lambda s: {"E10000016", "E12000008", "E92000001", "E07000113"})
    assert run("--indicators", "satod", "--areas", "Swale") == 0
    entry = manifest(home)["indicators"]["satod"]
    data = next(f for f in entry["files"] if f["kind"] == "data")
    assert data["rows"] == 4  # Medway dropped; Kent (Swale's county) and England kept
    assert data["download_sha256"] != data["sha256"]


# ----------------------------------------------------------------------------------------------------- end to end


@pytest.mark.slow
def test_fetched_values_reach_the_store(project_copy, tmp_path, monkeypatch, server):
    """Fetch SATOD from the local server into a project copy, then the store serves Kent's fetched 2023/24 value."""
    from nbutils import store

    real = catalog.catalogue()
    patched = {**real, "satod": real["satod"].model_copy(update={"fingertips_id": 93085})}
    monkeypatch.setattr(catalog, "catalogue", lambda: patched)
    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    monkeypatch.setenv("NBUTILS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv(api.BASE_URL_ENV, server.url)
    satod_routes(server)
    assert run("--indicators", "satod", timeout="5") == 0
    store.build()
    kent = store.indicator_data("satod", ["E10000016"])
    latest = kent[kent.period == "2023/24"]
    assert len(latest) == 1 and latest.value.iloc[0] == pytest.approx(KENT_2023_24)
    assert latest.source.iloc[0].startswith("fingertips-api/fingertips/satod.502.")
    assert fetch.COUNTY_ONLY_NOTE in latest.value_note.iloc[0]
    assert "fingertips_compared_to_england=Worse" in latest.value_note.iloc[0]
    # The snapshot's 2018/19 row is replaced (one row, now from the API), not duplicated.
    old = kent[kent.period == "2018/19"]
    assert len(old) == 1 and old.source.iloc[0].startswith("fingertips-api/")
    england = store.indicator_data("satod", ["E92000001"])
    assert england[england.period == "2023/24"].value.tolist() == [pytest.approx(7.4)]


@pytest.mark.slow
def test_fetched_value_shows_in_the_smoking_pack(project_copy, tmp_path, monkeypatch, server):
    """Acceptance: `data fetch` then `run Swale` puts the fetched Kent value in the smoking pack's tables."""
    from conftest import run_cli

    assert (project_copy / "notebooks" / "smoking.ipynb").exists()
    real = catalog.catalogue()
    monkeypatch.setattr(catalog, "catalogue",
                        lambda: {**real, "satod": real["satod"].model_copy(update={"fingertips_id": 93085})})
    env = {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(tmp_path / "store"), api.BASE_URL_ENV: server.url}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    satod_routes(server)
    assert run("--indicators", "satod", timeout="5") == 0
    done = run_cli("run", "Swale", "--topics", "smoking", "--out", str(tmp_path / "out"), "--jobs", "1", env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    tables = "".join(p.read_text() for p in (tmp_path / "out").rglob("smoking/*.csv"))
    assert str(KENT_2023_24) in tables


# ----------------------------------------------------------------------------------------------------- whole catalogue
# The real catalogue (nbutils/catalog.yaml), every indicator with a Fingertips id served by the local server.
# Neonatal mortality uses the fixture files in tests/data/fingertips/; the others get a small county file. All
# values are FIXTURE-ONLY (never published figures).


def _county_csv(fid: int, name: str) -> str:
    rows = [(fid, name, "", "", "E92000001", "England", "England", "Persons", "All ages", "", "", "2023/24", 10.5,
             10.4, 10.6, "", "", 1050, 10000, "", "", "", "", "20230000", "", "", "1y"),
            (fid, name, "E12000008", "South East region", "E10000016", "Kent", C23, "Persons", "All ages", "", "",
             "2023/24", 12.5, 11.9, 13.1, "", "", 125, 1000, "", "", "Worse", "", "20230000", "", "", "1y")]
    return HEADER + "\n" + "".join(_line(*row) for row in rows)


def catalogue_routes(server, names: dict[str, str] | None = None) -> list[catalog.Indicator]:
    """Routes for every catalogue indicator with a Fingertips id; ``names`` overrides a published name."""
    indicators = catalog.with_fingertips()
    for meta in indicators:
        fid = meta.fingertips_id
        published = (names or {}).get(meta.id, meta.fingertips_name or meta.name)
        server.route("metadata", fid, None, ("csv", _metadata(fid, published, meta.definition)))
        if meta.id == "neonatal_mortality":
            server.route("available", fid, None, available(501, 502))
            server.route("data", fid, 501, ("csv", (FIXTURES / "neonatal_mortality_501.csv").read_text()))
            server.route("data", fid, 502, ("csv", (FIXTURES / "neonatal_mortality_502.csv").read_text()))
        elif meta.id == "general_fertility_rate":  # the API refuses the district request: 400 for that type only
            server.route("available", fid, None, available(501, 502))
            server.route("data", fid, 501, ("status", 400, b"Bad Request"))
            server.route("data", fid, 502, ("csv", _county_csv(fid, published)))
        else:
            server.route("available", fid, None, available(502))
            server.route("data", fid, 502, ("csv", _county_csv(fid, published)))
    return indicators


@pytest.fixture()
def real_home(tmp_path, monkeypatch, server):
    """An empty project folder with the real catalogue."""
    project = tmp_path / "project"
    (project / "data").mkdir(parents=True)
    (project / "data" / "manifest.json").write_text(json.dumps({"sources": {}, "files": []}))
    monkeypatch.setenv("NBUTILS_HOME", str(project))
    monkeypatch.setenv(api.BASE_URL_ENV, server.url)
    original = fetch.fetch
    monkeypatch.setattr(fetch, "fetch", lambda *a, **k: original(*a, **{**k, "backoff": 0.01}))
    return project


def test_whole_catalogue_fetch_survives_a_400_and_skips_discontinued(real_home, server, capsys):
    indicators = catalogue_routes(server)
    current = [m.id for m in indicators if not m.discontinued]
    assert {"neonatal_mortality", "first_feed_breastmilk", "general_fertility_rate", "satod"} <= set(current)
    assert run() == 0  # no --indicators: the whole catalogue
    fetched = manifest(real_home)["indicators"]
    assert sorted(fetched) == sorted(current)
    assert "breastfeeding_initiation" not in fetched
    gfr = fetched["general_fertility_rate"]
    assert gfr["area_type_id"] == 502 and gfr["skipped_area_types"][0].startswith("501 (HTTP 400")
    neonatal = fetched["neonatal_mortality"]
    assert neonatal["area_type_id"] == 501 and neonatal["data_date"] == "2021-23"
    assert sorted(f["area_type_id"] for f in neonatal["files"] if f["kind"] == "data") == [501, 502]
    assert neonatal["name_checked"] and neonatal["area_types_source"] == "area types from available_data"
    assert fetch.fetched_info("neonatal_mortality")["year_type"] == "Financial"  # real metadata header read
    out = capsys.readouterr().out
    assert "skip   breastfeeding_initiation (20201): discontinued" in out
    assert f"{len(current)} of {len(current)} indicator(s) fetched" in out
    # Every data request asked for the sortable time periods.
    assert all("include_sortable_time_periods=yes" in p for p in server.requests if "all_data" in p)


def test_unverified_id_with_another_name_is_stopped(real_home, server, capsys):
    assert not catalog.indicator("neonatal_mortality").fingertips_verified
    catalogue_routes(server, names={"neonatal_mortality": "Infant mortality rate"})
    assert run() == 1
    out = capsys.readouterr().out
    failed = [line for line in out.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED neonatal_mortality (92705): Fingertips id 92705 is "
                                                     "named \"Infant mortality rate\" by the API, not \"Neonatal "
                                                     "mortality rate\"")
    assert "neonatal_mortality" not in manifest(real_home)["indicators"]
    assert "first_feed_breastmilk" in manifest(real_home)["indicators"]


def test_name_matching_rule():
    assert fetch.name_matches("Under 18s births", "Under 18s births rate / 1,000")
    assert fetch.name_matches("Baby's first feed breastmilk current method",
                              "Baby's first feed breast milk (current method)")
    assert not fetch.name_matches("Neonatal mortality rate", "Infant mortality rate")
    assert not fetch.name_matches("", "Anything")


def test_whole_catalogue_offline_exits_3_with_one_line(real_home, monkeypatch, capsys):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv(api.BASE_URL_ENV, f"http://127.0.0.1:{port}/api")
    assert run() == 3
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nbutils: no network: could not reach the Fingertips API (")


def test_available_data_unanswered_falls_back_to_catalogue_area_types(real_home, server):
    catalogue_routes(server)
    server.route("available", 92705, None, ("status", 500, b"Internal Server Error"))
    assert run("--indicators", "neonatal_mortality") == 0
    entry = manifest(real_home)["indicators"]["neonatal_mortality"]
    # The catalogue says county/region/england, so counties are tried first and published: county file only.
    assert entry["area_type_id"] == 502 and entry["area_types_source"].startswith("available_data not answered")


@pytest.mark.slow
def test_whole_catalogue_fetch_reaches_the_store(project_copy, tmp_path, monkeypatch, server):
    """After a whole-catalogue fetch the store holds neonatal mortality for a Kent district and for Kent."""
    from nbutils import store

    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    monkeypatch.setenv("NBUTILS_STORE", str(tmp_path / "store"))
    monkeypatch.setenv(api.BASE_URL_ENV, server.url)
    catalogue_routes(server)
    assert run(timeout="5") == 0
    store.build()
    swale = store.indicator_data("neonatal_mortality", ["E07000113"]).sort_values("period")
    assert swale.period.tolist() == ["2020-22", "2021-23"]  # whole-area rows only; the decile row is not kept
    latest = swale.iloc[-1]
    # the API's 4.44 as the catalogue publishes it (1 decimal), so the page carries no more precision than the source
    assert (latest.value, latest["count"], latest.denominator) == (pytest.approx(4.4), 27, 6080)
    assert (latest.lower_ci95, latest.upper_ci95) == (pytest.approx(3.0), pytest.approx(6.3))
    assert "fingertips_compared_to_england=Worse" in latest.value_note
    assert latest.source.startswith("fingertips-api/fingertips/neonatal_mortality.501.")
    kent = store.indicator_data("neonatal_mortality", ["E10000016"])
    assert kent.value.tolist() == [pytest.approx(3.2)]  # 3.21 from the API, at the published 1 decimal
    first_feed = store.indicator_data("first_feed_breastmilk", ["E10000016"])
    assert first_feed.period.tolist() == ["2023/24"] and first_feed.value.tolist() == [pytest.approx(12.5)]


# ----------------------------------------------------------------------------------------------------- limits (#26)


def _within(seconds: float, call):
    """``call()``'s value, failing (instead of hanging the suite) if it takes longer than ``seconds``."""
    box = {}

    def target():
        try:
            box["value"] = call()
        except BaseException as error:  # noqa: BLE001 - re-raised below, in the test's thread
            box["error"] = error

    worker = threading.Thread(target=target, daemon=True)
    started = time.monotonic()
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), f"still running after {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"], time.monotonic() - started


def _no_stored_body(home: Path) -> None:
    """Nothing of the refused or unfinished data body is left anywhere under data/ (the small valid answers, such
    as available_data, may be cached)."""
    left = [p for p in (home / "data").rglob("*") if p.is_file() and p.name != "manifest.json"]
    assert sum(p.stat().st_size for p in left) < 64 * 1024, left
    assert not (home / "data" / "fetched" / "manifest.json").exists()


@pytest.mark.parametrize("with_length", [True, False])
def test_a_response_past_the_size_cap_is_refused_while_downloading(home, server, capsys, with_length):
    server.route("available", 93085, None, available(501))
    server.route("metadata", 93085, None, ("csv", _metadata(93085, SATOD, "x")))
    server.route("data", 93085, 501, ("unlimited", 8 * 2**20, with_length))
    summary, seconds = _within(30, lambda: fetch.fetch(["satod"], timeout=5, backoff=0.01, max_bytes=2**20))
    assert [r.ok for r in summary.results] == [False]
    assert "the response is larger than 1 MB, the most one download may be" in summary.results[0].message
    assert len([p for p in server.requests if "all_data" in p]) == 1  # refused, never retried
    _no_stored_body(home)


def test_a_server_that_never_answers_ends_with_exit_3_and_one_line(home, monkeypatch, capsys):
    with socket.socket() as silent:  # accepts connections (the system completes them) and never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        monkeypatch.setenv(api.BASE_URL_ENV, f"http://127.0.0.1:{silent.getsockname()[1]}/api")
        status, seconds = _within(30, lambda: run("--indicators", "satod", timeout="0.5"))
    assert status == fetch.EXIT_NETWORK_UNAVAILABLE == 3
    assert seconds < 20
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "answered no request in full (timed out waiting for the server" in lines[0]
    assert "embedded snapshot dated 2026-11-21" in lines[0]
    _no_stored_body(home)


def test_a_server_sending_a_byte_at_a_time_ends_at_the_deadline_with_exit_3(home, server, capsys):
    for kind, type_id in (("available", None), ("metadata", None), *(("data", t) for t in api.FALLBACK_ORDER)):
        server.route(kind, 93085, type_id, ("drip", 0.2, 60))
    status, seconds = _within(30, lambda: cli.main(["data", "fetch", "--indicators", "satod", "--timeout", "1",
                                                    "--deadline", "3"]))
    assert status == 3
    assert 2.5 < seconds < 15  # the deadline, not the server, ended it (each read alone never timed out)
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "answered no request in full" in lines[0] and "time allowed ran out" in lines[0]
    _no_stored_body(home)


def test_one_slow_indicator_fails_at_its_own_deadline_and_the_others_go_on(home, server, capsys):
    satod_routes(server)
    server.route("data", 20201, 501, ("drip", 0.2, 60))
    server.route("metadata", 20201, None, ("csv", _metadata(20201, BF, "Babies breastfed at birth")))
    summary, seconds = _within(30, lambda: fetch.fetch(["breastfeeding_initiation", "satod"], timeout=1,
                                                       backoff=0.01, indicator_deadline=2))
    assert [(r.indicator_id, r.ok) for r in summary.results] == [("breastfeeding_initiation", False), ("satod", True)]
    assert "not finished within 2 s for one indicator" in summary.results[0].message
    assert seconds < 20


@pytest.mark.parametrize("column, text", [("Value", "Infinity"), ("Value", "NaN"), ("Value", "-inf"),
                                          ("Count", "inf"), ("Upper CI 95.0 limit", "nan")])
def test_non_finite_numbers_are_rejected(column, text):
    row = SATOD_COUNTIES.splitlines()[3].split(",")
    row[HEADER.split(",").index(column)] = text
    body = "\n".join([*SATOD_COUNTIES.splitlines()[:3], ",".join(row)]) + "\n"
    with pytest.raises(api.InvalidResponse, match="is not a finite number"):
        api.parse_data("http://x", body.encode(), 93085)


@pytest.mark.parametrize("body", [b"[" * 200_000 + b"]" * 200_000, b'[{"AreaTypeId": Infinity}]'])
def test_deeply_nested_or_non_finite_json_is_an_invalid_answer(body):
    (_, seconds) = _within(10, lambda: pytest.raises(api.InvalidResponse, api.parse_available_data, "http://x", body))
    assert seconds < 5


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "1e9"])
def test_fetch_timeout_must_be_a_finite_positive_number(home, capsys, value):
    assert run("--indicators", "satod", timeout=value) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    assert lines == [f"nbutils: error: --timeout {value}: give a number of seconds above 0 and at most 600"]
