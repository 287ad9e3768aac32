"""The upper-tier dashboard and statistical neighbours on real data (Kent, Medway)."""

from __future__ import annotations

import re

import pytest

from nbutils.areas import registry, resolve
from nbutils.topics import dashboard, indicators

KENT, MEDWAY = "E10000016", "E06000035"


@pytest.fixture(scope="module")
def kent(store_ready):
    return resolve(KENT)


@pytest.fixture(scope="module")
def kent_card(kent):
    return dashboard.dashboard(kent)


def test_a_unitary_is_ranked_among_its_statistical_neighbours_not_its_region(store_ready):
    medway = resolve(MEDWAY)
    names = [a.name for a in registry().siblings(medway)]
    assert sorted(names) == sorted(["Medway", "Swindon", "Dudley", "Kent", "Bexley", "Norfolk", "Suffolk", "Thurrock",
                                    "Nottinghamshire", "Bury", "Wakefield"])
    assert indicators.sibling_group_name(medway) == "areas in Medway's statistical neighbour group"


def test_a_two_tier_district_keeps_its_county_as_the_group(store_ready):
    swale = resolve("Swale")
    assert len(registry().siblings(swale)) == 12
    assert registry().statistical_neighbours(swale) == []


def test_kent_dashboard_has_every_configured_headline_in_topic_order(kent_card):
    configured = [i.indicator for i in dashboard.configuration()["headlines"]]
    assert sorted(kent_card.indicator_id) == sorted(configured)
    topics = list(dict.fromkeys(kent_card.topic))
    assert topics == [t for t in ["overview", "ethnicity", "housing", "nutrition", "sudi", "smoking"] if t in topics]


def test_kent_infant_mortality_2023_with_direction_and_neighbours(kent_card):
    row = kent_card.set_index("indicator_id").loc["infant_mortality_single_year"]
    assert row.period == "2023"
    assert row.value == pytest.approx(3.6)
    assert row.england == pytest.approx(3.9)
    assert row.previous_period == "2022"
    assert row.direction in ("Up", "Down", "No change")
    assert row.neighbours_total == 10
    assert 1 <= row.neighbours_with_value <= 10
    assert row.neighbours_min <= row.neighbours_mean <= row.neighbours_max
    assert row.rag == "Grey"  # values only, no intervals: not tested, said so
    assert row.compared_with_england.startswith("Not tested")


def test_kent_breastfeeding_6_8_weeks_is_the_2023_24_value(kent_card):
    row = kent_card.set_index("indicator_id").loc["breastfeeding_6_8_weeks"]
    assert row.period == "2023/24"
    assert row.value == pytest.approx(50.96, abs=0.01)
    assert row.england == pytest.approx(52.71, abs=0.01)


def test_rag_follows_the_comparison_with_england(kent_card):
    for row in kent_card.itertuples():
        label = str(row.compared_with_england)
        expected = ("Red" if label.startswith("Worse") else "Green" if label.startswith("Better")
                    else "Amber" if label.startswith("Similar") else "Grey")
        assert row.rag == expected, row.indicator


def test_district_grid_has_twelve_districts_then_the_county_and_england(kent):
    grid = dashboard.district_grid(kent)
    districts = grid[grid.role == "district"].area_code.unique()
    assert len(districts) == 12
    assert {r.code for r in registry().districts_of(kent)} == set(districts)
    local = grid[grid.origin.str.startswith("local data")]
    swale = local[local.area_name == "Swale"].value.iloc[0]
    assert swale == pytest.approx(38.9)
    assert local[local.role == "county"].value.iloc[0] == pytest.approx(51.3)


def test_dashboard_html_names_the_neighbours_column_and_is_offline(kent, kent_card):
    page = dashboard.dashboard_html(kent_card, kent)
    assert "DfE statistical neighbours (average)" in page  # the column names the neighbour set
    assert "<script" in page and "http" not in page.split("<script", 1)[1]
    assert "nan" not in page.replace("nbu-", "")


@pytest.mark.parametrize("area, first_three", [
    # sn_may_2025.xlsx row for LA 331 Coventry: 831 Derby, 852 Southampton, 874 Peterborough (Very close) ...
    ("Coventry", ["Derby", "Southampton", "Peterborough"]),
    ("Westminster", ["Camden", "Islington", "Southwark"]),
    ("Kensington and Chelsea", ["Hammersmith and Fulham", "Camden", "Lambeth"]),
])
def test_other_customers_get_their_own_neighbours(store_ready, area, first_three):
    place = resolve(area)
    neighbours = [a.name for a in registry().statistical_neighbours(place)]
    assert len(neighbours) == 10 and neighbours[:3] == first_three
    card = dashboard.dashboard(place)
    assert (card.neighbours_total == 10).all()
    assert indicators.sibling_group_name(place) == f"areas in {place.name}'s statistical neighbour group"


def test_the_set_index_opens_with_the_county_dashboard_rebuilt_from_its_csvs(tmp_path, kent, kent_card):
    from nbutils import disclosure, site

    folder = tmp_path / "E10000016-kent" / "overview"
    folder.mkdir(parents=True)
    disclosure.for_csv(kent_card).to_csv(folder / "dashboard.csv", index=False)
    disclosure.for_csv(dashboard.district_grid(kent)).to_csv(folder / "districts.csv", index=False)
    page = site.dashboards(tmp_path, [("Kent", "E10000016", "E10000016-kent"), ("Swale", "E07000113", "x")])
    assert page.count("nbu-index-dashboard") == 1 and "Dashboard: Kent" in page
    for district in registry().districts_of(kent):
        assert f">{district.name}<" in page
    assert ">3.6<" in page  # Kent's 2023 infant mortality, read back from the CSV
    assert site.dashboards(tmp_path, [("Swale", "E07000113", "x")]) == ""


def test_a_national_index_lists_the_dashboards_with_their_rag_counts_instead_of_showing_each(tmp_path, kent,
                                                                                            kent_card):
    from nbutils import disclosure, site

    names = ["Kent", "Medway", "Coventry", "Westminster", "Kensington and Chelsea"]
    areas = [resolve(name) for name in names]
    for area in areas:
        folder = tmp_path / area.folder / "overview"
        folder.mkdir(parents=True)
        disclosure.for_csv(kent_card.assign(area_code=area.code)).to_csv(folder / "dashboard.csv", index=False)
    listed = [(a.name, a.code, a.folder) for a in areas]
    page = site.dashboards(tmp_path, listed)
    assert len(areas) > site.DASHBOARDS_IN_FULL and "Dashboard: " not in page  # no five full dashboards
    assert "Dashboards of the 5 upper-tier authorities</h2> (1 county, 4 unitary authorities and metropolitan " \
           "and London boroughs)" in page and "<details>" in page  # folded: the areas and filter come next
    assert page.count("#dashboard'>") == 5 and "E10000016-kent/overview.html#dashboard" in page
    rag = kent_card.rag.value_counts()
    kent_row = page[page.index(">Kent</a>"):].split("</tr>")[0]
    assert kent_row.endswith("".join(f"<td>{rag.get(c, 0)}</td>" for c in site.RAG_COLOURS))
    assert sum(rag.get(c, 0) for c in site.RAG_COLOURS) == len(kent_card)  # every headline counted once
    # A rewritten dashboard is counted afresh (the index is rewritten many times during a run).
    kent_folder = tmp_path / kent.folder / "overview"
    disclosure.for_csv(kent_card.head(2)).to_csv(kent_folder / "dashboard.csv", index=False)
    import os
    os.utime(kent_folder / "dashboard.csv", ns=(1, 10**18))  # newer, whatever the clock's resolution
    kent_row = site.dashboards(tmp_path, listed)
    assert sum(int(n) for n in re.findall(r"<td>(\d+)</td>", kent_row.split(">Kent</a>")[1].split("</tr>")[0])) == 2
