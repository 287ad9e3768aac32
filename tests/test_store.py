"""The tidy store: built from the raw files, rebuilt when they change, and faithful to the published figures."""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from conftest import run_cli
from nbutils import store, store_state
from nbutils.errors import DataError, UnknownIndicatorError
from nbutils.sources.manifest import verify

pytestmark = pytest.mark.usefixtures("store_ready")


def test_store_tables_exist_with_the_documented_columns():
    frame = store.indicator_data("census_ethnic_group", ["E07000113"])
    assert list(frame.columns) == store.INDICATOR_COLUMNS
    assert len(frame) == 19  # the 19 detailed TS021 groups
    assert set(store.table("areas").area_type) == {"msoa", "lad", "county", "region", "england"}


# Census 2021 TS021 district percentages published by ONS (the "(percent)" rows of the Nomis table, to 1 dp).
PUBLISHED_SHARES = [
    ("E07000113", "White: English, Welsh, Scottish, Northern Irish or British", 88.6),  # Swale
    ("E07000113", "White: Gypsy or Irish Traveller", 0.6),
    ("E07000113", "White: Other White", 4.0),
    ("E07000114", "White: English, Welsh, Scottish, Northern Irish or British", 87.3),  # Thanet
    ("E07000114", "White: Roma", 0.3),
    ("E06000035", "White: English, Welsh, Scottish, Northern Irish or British", 78.3),  # Medway
    ("E06000035", "Black, Black British, Black Welsh, Caribbean or African: African", 4.0),
    ("E07000109", "Asian, Asian British or Asian Welsh: Indian", 7.6),  # Gravesham
    ("E09000033", "White: English, Welsh, Scottish, Northern Irish or British", 28.0),  # Westminster
    ("E09000033", "Other ethnic group: Arab", 7.6),
    ("E09000020", "White: Other White", 28.3),  # Kensington and Chelsea
    ("E09000020", "White: Roma", 0.7),
    ("E08000026", "Asian, Asian British or Asian Welsh: Indian", 9.3),  # Coventry
]


@pytest.mark.parametrize("code, category, published", PUBLISHED_SHARES)
def test_district_shares_match_census_2021(code, category, published):
    frame = store.indicator_data("census_ethnic_group", [code]).set_index("category")
    assert round(frame.loc[category, "value"], 1) == pytest.approx(published, abs=1e-9)


def test_every_kent_district_share_matches_the_ons_percentages():
    """All 19 groups x 13 areas agree with ONS's own rounded percentages in the raw file."""
    raw = pd.read_csv(store.paths.raw_dir() / "humaniverse-demographr-census2021" / "ethnicity21_ltla21.csv.gz")
    codes = [f"E070001{n:02d}" for n in range(5, 17)] + ["E06000035"]
    published = raw[raw.ethnic_group.str.endswith("(percent)") & raw.ltla21_code.isin(codes)].copy()
    published["category"] = published.ethnic_group.str.replace(r"\s*\(percent\)$", "", regex=True).str.replace(
        r"\s+", " ", regex=True)
    ours = store.indicator_data("census_ethnic_group", codes)
    merged = published.merge(ours, left_on=["ltla21_code", "category"], right_on=["area_code", "category"])
    assert len(merged) == 13 * 19
    # ONS rounds half up; allow 0.05 for that, nothing more.
    assert (merged.value_x - merged.value_y).abs().max() <= 0.0501


def test_county_region_and_england_are_sums_of_districts():
    kent_districts = [f"E070001{n:02d}" for n in range(5, 17)]
    districts = store.indicator_data("census_ethnic_group", kent_districts)
    kent = store.indicator_data("census_ethnic_group", ["E10000016"])
    assert kent["count"].sum() == districts["count"].sum() == 1_576_077
    england = store.indicator_data("census_ethnic_group", ["E92000001"]).set_index("category")
    # ONS: 73.5% of England's usual residents identified as White British in 2021.
    assert round(england.loc["White: English, Welsh, Scottish, Northern Irish or British", "value"], 1) == 73.5
    assert england["count"].sum() == 56_490_065


def test_areas_merged_in_2023_are_the_sum_of_their_predecessors():
    north_yorkshire = store.indicator_data("census_ethnic_group", ["E06000065"])
    assert north_yorkshire["denominator"].iloc[0] == 615_499  # Craven + Hambleton + ... + Selby, TS021 totals


def test_msoa_rows_come_from_the_nomis_msoa_table():
    frame = store.indicator_data("census_ethnic_group", ["E02005115"]).set_index("category")  # Swale 001
    # Nomis census2021-ts021-msoa.csv: total 6,706 residents, 5,811 White British.
    assert frame["denominator"].iloc[0] == 6706
    assert frame.loc["White: English, Welsh, Scottish, Northern Irish or British", "count"] == 5811


def test_unknown_indicator_lists_known_ones():
    with pytest.raises(UnknownIndicatorError, match="'nope' is not in the data store; known: .*census_ethnic_group"):
        store.indicator_data("nope")


def test_verify_reports_a_missing_and_a_changed_file(project_copy, monkeypatch):
    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    raw = project_copy / "data" / "raw"
    (raw / "humaniverse-demographr-census2021" / "migration21_msoa21.csv.gz").unlink()
    (raw / "humaniverse-geographr" / "lookup_ltla23_region23.csv.gz").write_bytes(b"tampered")
    results = {r.path: r for r in verify()}
    assert results["raw/humaniverse-demographr-census2021/migration21_msoa21.csv.gz"].status == "missing"
    assert results["raw/humaniverse-geographr/lookup_ltla23_region23.csv.gz"].status == "changed"
    assert sum(r.ok for r in results.values()) == len(results) - 2


def test_store_refuses_to_build_from_a_missing_file(project_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    monkeypatch.setenv("NBUTILS_STORE", str(tmp_path / "store"))
    (project_copy / "data" / "raw" / "humaniverse-demographr-census2021" / "proficiency21_msoa21.csv.gz").unlink()
    with pytest.raises(DataError, match="MISSING  data/raw/humaniverse-demographr-census2021/proficiency21"):
        store.build()
    assert not (tmp_path / "store").exists()  # nothing half-built


def test_store_is_rebuilt_when_a_raw_file_hash_changes(project_copy, monkeypatch, tmp_path):
    monkeypatch.setenv("NBUTILS_HOME", str(project_copy))
    monkeypatch.setenv("NBUTILS_STORE", str(tmp_path / "store"))
    built = store.build()
    first = json.loads((built / "build.json").read_text())
    assert store.build() == built and json.loads((built / "build.json").read_text()) == first  # current: kept
    from nbutils.areas import resolve
    from nbutils.topics import indicators

    hartlepool = resolve("E06000001")

    def hartlepool_migrants() -> float:  # read through the per-process caches of series and district values
        rows = indicators.series("census_migrant_outside_uk", hartlepool)
        return rows[rows.role == "area"]["count"].iloc[0]

    before = hartlepool_migrants()

    # Restage one file with new content (as tools/stage_data.py would) and update the manifest.
    import gzip
    import hashlib

    manifest_path = project_copy / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(e for e in manifest["files"] if e["path"].endswith("migration21_msoa21.csv.gz"))
    path = project_copy / "data" / entry["path"]
    text = gzip.decompress(path.read_bytes()).decode()
    lines = text.splitlines()
    fields = lines[1].split(",")  # first MSOA (Hartlepool 001): one more migrant from outside the UK
    fields[6] = str(int(fields[6]) + 1)
    lines[1] = ",".join(fields)
    path.write_bytes(gzip.compress(("\n".join(lines) + "\n").encode(), mtime=0))
    entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    manifest_path.write_text(json.dumps(manifest))

    store.build()
    second = json.loads((built / "build.json").read_text())
    assert second["raw"] != first["raw"]
    migrants = store.indicator_data("census_migrant_outside_uk", ["E02002483"])
    assert migrants["count"].iloc[0] == 9 + 1  # TS019: Hartlepool 001 had 9 before the edit
    assert hartlepool_migrants() == before + 1  # cached reads follow the rebuilt store


def test_a_cached_series_cannot_be_changed_by_its_caller():
    from nbutils.areas import resolve
    from nbutils.topics import indicators

    swale = resolve("Swale")
    first = indicators.series("ncmp_year6_obesity", swale)
    expected = first.value.copy()
    first["value"] = -1.0  # a caller working on its copy (the scorecard turns some values into complements)
    assert indicators.series("ncmp_year6_obesity", swale).value.equals(expected)


def test_a_store_with_a_damaged_registry_index_is_rebuilt(store_ready, tmp_path):
    copy = tmp_path / "store"
    shutil.copytree(store_ready, copy)
    index = copy / store_state.REGISTRY_INDEX
    original = index.read_bytes()
    inputs = store_state.inputs()
    assert store_state.current(copy, inputs)
    index.unlink()
    assert not store_state.current(copy, inputs)  # deleted
    index.write_bytes(original[: len(original) // 2])
    assert not store_state.current(copy, inputs)  # truncated
    result = run_cli("areas", "kent", env={"NBUTILS_STORE": str(copy)})
    assert result.returncode == 0, result.stderr
    assert "E07000113  Swale" in result.stdout and result.stdout.count("\nE") == 14
    assert index.read_bytes() == original and store_state.current(copy, inputs)


def test_a_store_table_edited_in_place_does_not_change_the_next_read(store_ready):
    first = store.table("areas")
    first.loc[:, "area_name"] = "edited"
    assert "edited" not in set(store.table("areas").area_name)
