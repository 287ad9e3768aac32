"""Upper-tier authorities (counties) as first-class areas: resolution, the set-vs-name rule, county packs."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from nbutils import areas, cli, query, store
from nbutils.errors import UnknownAreaError
from nbutils.topics import housing, overview

KENT = "E10000016"
KENT_DISTRICTS = {"Ashford", "Canterbury", "Dartford", "Dover", "Folkestone and Hythe", "Gravesham", "Maidstone",
                  "Sevenoaks", "Swale", "Thanet", "Tonbridge and Malling", "Tunbridge Wells"}


@pytest.mark.parametrize("query_text", [KENT, "e10000016", "Kent County Council", "Kent county", "kent",
                                        "County of Kent", "KENT CC"])
def test_kent_county_resolves_by_code_and_name(query_text):
    area = areas.resolve(query_text)
    assert (area.code, area.name, area.kind, area.area_type) == (KENT, "Kent", "county", "county")
    assert area.is_county and not area.is_unitary


def test_every_county_resolves_by_code_and_council_name():
    counties = areas.registry().counties()
    assert len(counties) == 21
    for county in counties:
        assert areas.resolve(county.code) == county
        assert areas.resolve(f"{county.name} County Council") == county


def test_county_names_never_shadow_a_district():
    registry = areas.registry()
    for district in registry.districts():
        assert registry.resolve(district.name) == district


def test_districts_of_kent_and_comparators():
    registry = areas.registry()
    kent = registry.get(KENT)
    assert {a.name for a in registry.districts_of(kent)} == KENT_DISTRICTS
    assert registry.districts_of(registry.get("E06000035")) == []  # Medway, a unitary, has no districts
    assert [(c.role, c.area.name) for c in registry.comparators(kent)] == [("region", "South East"),
                                                                           ("england", "England")]


def test_unknown_county_name_suggests():
    with pytest.raises(UnknownAreaError, match="did you mean Kent"):
        areas.resolve("Kentt")


def test_set_name_means_the_set_and_says_how_to_get_the_county():
    members = areas.resolve_targets(["kent"])
    assert len(members) == 14 and members[0].code == KENT and "Medway" in [a.name for a in members]
    assert areas.set_or_area_notes(["kent", "Swale"]) == [
        "'kent' is the area set parameters/kent.yaml (Kent County Council, its 12 districts and Medway); "
        "for the county alone run E10000016"]
    assert [a.code for a in areas.resolve_targets([KENT])] == [KENT]


def test_cli_areas_lists_counties(capsys):
    assert cli.main(["areas"]) == 0
    out = capsys.readouterr().out
    assert "296 English districts and unitary authorities and 21 counties" in out
    assert "E10000016  Kent" in out


def test_county_small_areas_cover_every_district():
    kent = areas.resolve(KENT)
    msoas = query.small_areas("census_overcrowded_households", kent)
    names = store.table("areas").set_index("area_code")
    assert set(names.loc[msoas.area_code, "lad_code"]) == {a.code for a in areas.registry().districts_of(kent)}


def test_kent_census_value_is_the_sum_of_its_districts_counts():
    """Fixed case: Kent's overcrowded households = the sum of its 12 districts' counts and households."""
    kent = areas.resolve(KENT)
    data = store.indicator_data("census_overcrowded_households", area_type=None)
    districts = data[data.area_code.isin(query.district_codes(kent))]
    county = data[data.area_code == KENT].iloc[0]
    assert len(districts) == 12
    assert pd.to_numeric(districts["count"]).sum() == pd.to_numeric(county["count"])
    assert pd.to_numeric(districts.denominator).sum() == pd.to_numeric(county.denominator)
    assert county.value == pytest.approx(float(county["count"]) / float(county.denominator) * 100)


def test_kent_temporary_accommodation_is_not_averaged():
    """MHCLG publishes district rates without counts: the county value stays unpublished, its districts shown."""
    kent = areas.resolve(KENT)
    card = overview.scorecard(kent)
    row = card[card.indicator_id == "mhclg_households_in_temporary_accommodation"].iloc[0]
    assert pd.isna(row.value) and "cannot be derived correctly" in row.note
    assert row.own_districts_reporting == 12
    assert row.own_districts_max == pytest.approx(5.555296, abs=1e-6)  # Gravesham, Dec 2023
    by_district = housing.homelessness_districts(kent)
    ta = by_district[by_district.indicator_id == "mhclg_households_in_temporary_accommodation"]
    assert set(ta.area_name) == KENT_DISTRICTS and ta.value.notna().all()
    assert housing.homelessness(kent).position.str.startswith("not published for counties").all()


def test_county_scorecard_shows_its_districts_not_a_county_column():
    view = overview.scorecard_view(overview.scorecard(areas.resolve(KENT)))
    assert "County" not in view.columns and "Its districts (lowest to highest, how many)" in view.columns
    assert "Position among districts" not in view.columns  # a county is not ranked among districts


@pytest.mark.slow
def test_run_kent_county_overview_exits_zero(tmp_path, capsys):
    assert cli.main(["run", KENT, "--topics", "overview", "--out", str(tmp_path), "--jobs", "1"]) == 0
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert {(r["area_code"], r["status"]) for r in manifest["runs"]} == {(KENT, "succeeded")}


@pytest.mark.slow
def test_every_topic_runs_for_kent_county(tmp_path):
    assert cli.main(["run", KENT, "--out", str(tmp_path), "--jobs", "2"]) == 0
    folder = tmp_path / "E10000016-kent"
    for page in folder.glob("*.html"):
        text = page.read_text()
        assert "Kent (E10000016) is a county" in text or page.name == "index.html"
        assert "/work/" not in text and "Traceback" not in text


def test_the_upper_tier_is_the_authority_responsible_for_public_health():
    registry = areas.registry()
    assert registry.upper_tier(areas.resolve("Swale")).code == KENT
    assert registry.upper_tier(areas.resolve(KENT)).code == KENT
    assert registry.upper_tier(areas.resolve("Medway")).code == "E06000035"
