"""An authority's own local data: every validation error, the shipped example, the store table and the CLI.

Broken datasets are fixtures under tests/data/local/ (see its README); the example is the real
data/local/kcc-health-visiting-2022-23/ (Kent County Council, 2 July 2024).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from nbutils import local_data, query, report, store, store_state
from nbutils.local_data import LocalDataError

from conftest import ROOT, run_cli

FIXTURES = ROOT / "tests" / "data" / "local"
EXAMPLE = ROOT / "data" / "local" / "kcc-health-visiting-2022-23"

pytestmark = pytest.mark.usefixtures("store_ready")


def _load(name: str) -> local_data.LocalDataset:
    return local_data.load_dataset(FIXTURES / name, store.table("areas"), store.table("predecessors"))


# (fixture, expected start of the one-line message: file, line, column; words that must follow)
ERRORS = [
    ("unknown-area", "tests/data/local/unknown-area/figures.csv, line 3, column 'area_code'",
     ["'E07000999' is not the GSS code", "nbutils areas"]),
    ("abolished-area", "tests/data/local/abolished-area/figures.csv, line 2, column 'area_code'",
     ["abolished in April 2023", "North Yorkshire (E06000065)"]),
    ("bad-number", "tests/data/local/bad-number/figures.csv, line 3, column 'value'",
     ["'n/a' is not a number"]),
    ("percent-range", "tests/data/local/percent-range/figures.csv, line 3, column 'value'",
     ["656 is outside 0-100"]),
    ("duplicate-row", "tests/data/local/duplicate-row/figures.csv, line 4:",
     ["duplicate row", "E07000113", "figures.csv line 2"]),
    ("unknown-indicator", "tests/data/local/unknown-indicator/figures.csv, line 3, column 'indicator'",
     ["'breastfeeding_at_six_weeks' is not in the catalogue", "add it under 'indicators:'"]),
    ("missing-licence", "tests/data/local/missing-licence/source.yaml: missing field 'licence'", ["add it"]),
    ("missing-reference", "tests/data/local/missing-reference/source.yaml: give 'url' or 'document'", []),
    ("count-over-denominator", "tests/data/local/count-over-denominator/figures.csv, line 3, column 'count'",
     ["count 1000 is larger than the denominator 656"]),
    ("small-count", "tests/data/local/small-count/figures.csv, line 3, column 'count'",
     ["a count of 5 is in the range 1-7", "rule 'maternity'"]),
    ("not-utf8", "tests/data/local/not-utf8/figures.csv, line 3, byte 51: the file is not UTF-8 (byte 0xe9)",
     ["save it as 'CSV UTF-8'"]),
    ("period-not-listed", "tests/data/local/period-not-listed/figures.csv, line 2, column 'period'",
     ["'2023/24' is not one of the periods in source.yaml (2022/23)"]),
    ("area-name-mismatch", "tests/data/local/area-name-mismatch/figures.csv, line 3, column 'area_name'",
     ["'Sevenoaks' does not match E07000109, which is Gravesham"]),
    # The documented number rule is a plain decimal: Python's float() accepts all three of these, the rule does not.
    ("number-underscore", "tests/data/local/number-underscore/figures.csv, line 3, column 'value'",
     ["'3_8.9' is not a number"]),
    ("number-plus", "tests/data/local/number-plus/figures.csv, line 3, column 'value'", ["'+38.9' is not a number"]),
    ("number-exponent", "tests/data/local/number-exponent/figures.csv, line 3, column 'value'",
     ["'3.89e1' is not a number"]),
    ("percent-250", "tests/data/local/percent-250/figures.csv, line 3, column 'value'",
     ["250 is outside 0-100 for a percentage"]),
    ("negative-count-value", "tests/data/local/negative-count-value/figures.csv, line 3, column 'value'",
     ["-5 is below 0", "set 'minimum'"]),
    ("bad-rag-letter", "tests/data/local/bad-rag-letter/figures.csv, line 3, column 'rag'",
     ["'Amber' is not a RAG letter", "G, A or R"]),
    # A note quoted over two lines: the next row is line 4 of the file, and is named so.
    ("quoted-note", "tests/data/local/quoted-note/figures.csv, line 4, column 'value'", ["'6_5.6' is not a number"]),
]


@pytest.mark.parametrize("fixture, where, words", ERRORS, ids=[e[0] for e in ERRORS])
def test_each_validation_error_is_one_line_naming_file_line_and_column(fixture, where, words):
    with pytest.raises(LocalDataError) as caught:
        _load(fixture)
    message = str(caught.value)
    assert message.startswith(where)
    for word in words:
        assert word in message
    assert "\n" not in message


def test_a_valid_fixture_loads_with_its_provenance_and_labels():
    dataset = _load("valid")
    rows = dataset.rows.set_index("area_code")
    assert list(dataset.rows.columns) == local_data.LOCAL_COLUMNS
    assert rows.loc["E07000113", "value"] == 38.9
    assert rows.loc["E07000113", "area_type"] == "lad"
    assert rows.loc["E10000016", "area_type"] == "county"
    assert rows.loc["E10000016", "label"] == "local data: Fixture Council, 2 July 2024"
    assert dataset.info()["published"] == "2024-07-02"


def test_the_shipped_kcc_example_validates_with_every_published_value():
    dataset = local_data.load_dataset(EXAMPLE, store.table("areas"), store.table("predecessors"))
    values = dataset.rows.set_index("area_code")["value"].to_dict()
    assert values == {"E07000113": 38.9, "E07000114": 44.8, "E07000108": 45.4, "E07000109": 48.9,
                      "E07000115": 51.1, "E07000116": 65.6, "E10000016": 51.3}
    assert set(dataset.rows.period) == {"2022/23"}
    assert set(dataset.rows.indicator_id) == {"breastfeeding_6_8_weeks"}


def test_local_values_gives_swale_38_9_labelled_as_local_health_visiting_data():
    frame = query.local_values("breastfeeding_6_8_weeks", ["E07000113", "E07000116", "E10000016"])
    values = frame.set_index("area_code")["value"]
    assert values["E07000113"] == 38.9 and values["E07000116"] == 65.6 and values["E10000016"] == 51.3
    assert set(frame.label) == {"local data: Kent County Council, 2 July 2024"}
    assert set(frame.dataset) == {"kcc-health-visiting-2022-23"}
    assert "health visiting" in frame.title.iloc[0]


def test_local_values_is_an_empty_frame_with_the_same_columns_when_none():
    frame = query.local_values("breastfeeding_6_8_weeks", ["E06000035"])  # Medway: not in the KCC data
    assert frame.empty and list(frame.columns) == local_data.LOCAL_COLUMNS
    assert query.local_values("no_such_indicator").empty


def test_local_rows_never_enter_the_national_indicator_table():
    national = store.all_indicators()
    assert not national.source.str.startswith("local:").any()
    assert not ((national.area_code == "E07000113") & (national.value == 38.9)
                & national.period.eq("2022/23")).any()


def test_local_values_apply_the_datasets_disclosure_rule(monkeypatch):
    rows = local_data.table([_load("valid")])
    monkeypatch.setattr(store, "local_rows", lambda name, area_codes=None, indicator_id=None:  # local_values reads
                        rows[rows.indicator_id == indicator_id])  # through it, one indicator's rows
    frame = query.local_values("fixture_breastfeeding")
    # The maternity rule rounds counts to 5 on the way out (389 -> 390); values are published percentages.
    assert frame.set_index("area_code").loc["E07000113", "count"] == 390
    assert frame.set_index("area_code").loc["E07000113", "value"] == 38.9


def test_store_fingerprint_changes_when_a_local_file_changes(tmp_path, monkeypatch):
    home = tmp_path / "project"
    shutil.copytree(EXAMPLE, home / "data" / "local" / EXAMPLE.name)
    monkeypatch.setenv("NBUTILS_HOME", str(home))
    before = store_state.fingerprint({"files": []})
    assert set(before["local"]) == {f"{EXAMPLE.name}/{p.name}" for p in EXAMPLE.iterdir()}
    assert store_state.fingerprint({"files": []}) == before  # unchanged files: same fingerprint (incremental)
    csv = home / "data" / "local" / EXAMPLE.name / "breastfeeding_6_8_weeks.csv"
    csv.write_text(csv.read_text().replace("38.9", "39.0"))
    assert store_state.fingerprint({"files": []})["local"] != before["local"]


def test_footer_names_each_local_dataset_used(monkeypatch):
    shown = []
    monkeypatch.setattr(report, "display", lambda fragment: shown.append(fragment.data))
    pack = report.Pack("Swale", "nutrition", output_dir=Path("/tmp/unused"))
    pack.used_local(query.local_values("breastfeeding_6_8_weeks", ["E07000113"]))
    pack.footer()
    footer = shown[-1]
    assert "<h3>Local data</h3>" in footer
    assert "Kent County Council, published 2 July 2024" in footer
    assert "health visiting data" in footer and "no licence stated" in footer


def test_cli_lists_the_shipped_dataset():
    result = run_cli("data", "local")
    assert result.returncode == 0, result.stderr
    assert "kcc-health-visiting-2022-23: local data: Kent County Council, 2 July 2024; 7 row(s)" in result.stdout


@pytest.mark.parametrize("command", [["data", "local"], ["run", "Swale", "--topics", "nutrition"]])
def test_cli_exits_2_with_one_line_and_no_traceback_on_bad_local_data(project_copy, tmp_path, command):
    shutil.copytree(FIXTURES / "bad-number", project_copy / "data" / "local" / "bad-number")
    env = {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(tmp_path / "store")}
    result = run_cli(*command, "--out", str(tmp_path / "out"), env=env) if command[0] == "run" \
        else run_cli(*command, env=env)
    assert result.returncode == 2
    assert result.stderr == ("nbutils: error: data/local/bad-number/figures.csv, line 3, column 'value': 'n/a' is "
                             "not a number; write digits with a decimal point and no thousands separators or "
                             "symbols, e.g. 38.9\n")
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "out" / "manifest.json").exists()  # nothing ran


def test_a_validated_dataset_is_not_checked_again_until_a_file_changes(tmp_path, monkeypatch):
    areas, predecessors = store.table("areas"), store.table("predecessors")
    home = tmp_path / "project"
    shutil.copytree(FIXTURES / "valid", home / "data" / "local" / "valid")
    monkeypatch.setenv("NBUTILS_HOME", str(home))
    folder = home / "data" / "local" / "valid"
    first = local_data.load_dataset(folder, areas, predecessors)
    checked = []
    real = local_data._read_csv
    monkeypatch.setattr(local_data, "_read_csv", lambda *a: checked.append(a[0].name) or real(*a))
    again = local_data.load_dataset(folder, areas, predecessors)
    assert checked == []  # served from data/cache/local-validated, keyed by the files' sha256
    assert again.rows.value.tolist() == first.rows.value.tolist() == [38.9, 51.3]
    (folder / "figures.csv").write_text((folder / "figures.csv").read_text().replace("38.9", "39.0"))
    changed = local_data.load_dataset(folder, areas, predecessors)
    assert checked == ["figures.csv"] and changed.rows.value.tolist() == [39.0, 51.3]


def test_the_kpi_dashboard_keeps_quarters_targets_benchmarks_and_printed_letters():
    dataset = local_data.load_dataset(ROOT / "data" / "local" / "kcc-kpi-dashboard-2023-24", store.table("areas"),
                                      store.table("predecessors"))
    rows = dataset.rows.set_index(["indicator_id", "period"])
    assert rows.loc[("kcc_ph14_antenatal_contact", "2023/24 Q4"), "value"] == 39
    assert rows.loc[("kcc_ph14_antenatal_contact", "2023/24 Q4"), "count"] == 1226
    assert rows.loc[("kcc_ph14_antenatal_contact", "2023/24 Q4"), "rag_published"] == "A"
    assert rows.loc[("kcc_ph04_mandated_reviews", "2023/24 Q4"), "value"] == 66846
    meta = dataset.meta
    targets = meta[meta.kind == "target"].set_index(["indicator_id", "year"])
    assert targets.loc[("kcc_ph11_quit_at_4_weeks", "2022/23"), "target"] == 52
    assert targets.loc[("kcc_ph11_quit_at_4_weeks", "2023/24"), "target"] == 55
    assert "kcc_ph23_breastfed_6_8_weeks" not in set(meta[meta.kind == "target"].indicator_id)
    bench = meta[meta.kind == "benchmark"].set_index(["indicator_id", "name"])
    assert bench.loc[("kcc_ph15_new_birth_visit_10_14_days", "CIPFA nearest neighbours"), "value"] == 87


def test_a_local_data_change_rewrites_only_the_local_tables(project_copy, tmp_path, monkeypatch):
    """An authority adding a local dataset: the store keeps every national file byte for byte (so notebooks that
    read none of the local data keep their inputs and are not rerun) and rewrites only its two local tables."""
    copy = tmp_path / "store"
    shutil.copytree(store.ensure(), copy)
    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    monkeypatch.setenv("NBUTILS_STORE", str(copy))
    before = json.loads((copy / store_state.BUILD_RECORD).read_text())["files"]
    assert store_state.current(copy, store_state.inputs())  # the copied project is the store's own inputs
    shutil.copytree(FIXTURES / "valid", project_copy / "data" / "local" / "valid")
    monkeypatch.setattr(store, "_geography", lambda: pytest.fail("a local-data change rebuilt the national tables"))
    try:
        assert store.build() == copy
    finally:
        store._clear_caches()
    after = json.loads((copy / store_state.BUILD_RECORD).read_text())["files"]
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"local_indicators.parquet", "local_meta.parquet"}
    assert store_state.current(copy, store_state.inputs())
    rows = pd.read_parquet(copy / "local_indicators.parquet")
    assert sorted(rows.loc[rows.dataset == "valid", "value"]) == [38.9, 51.3]
