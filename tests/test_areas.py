"""Area registry: look-up by code and name, suggestions, 2023 reorganisations, comparators and area sets."""

from __future__ import annotations

import pytest

from nbutils import areas
from nbutils.errors import AreaSetError, UnknownAreaError

pytestmark = pytest.mark.usefixtures("store_ready")


def test_every_current_english_district_and_unitary_is_registered():
    districts = areas.registry().districts()
    # 296 English local authority districts and unitaries since April 2023 (ONS LAD 2023/2024).
    assert len(districts) == 296
    kinds = {a.kind for a in districts}
    assert kinds == {"district", "unitary authority", "metropolitan borough", "London borough"}


@pytest.mark.parametrize(
    "query, code",
    [
        ("Swale", "E07000113"),
        ("swale", "E07000113"),
        ("E07000113", "E07000113"),
        ("e07000113", "E07000113"),
        ("tonbridge & malling", "E07000115"),
        ("Tonbridge and Malling", "E07000115"),
        ("kensington & chelsea", "E09000020"),
        ("Folkestone and Hythe", "E07000112"),
        ("Kingston upon Hull", "E06000010"),
        ("bristol", "E06000023"),
        ("  Coventry ", "E08000026"),
    ],
)
def test_resolve_by_code_or_name(query, code):
    assert areas.resolve(query).code == code


def test_typo_suggests_the_nearest_name():
    with pytest.raises(UnknownAreaError, match="did you mean Swale"):
        areas.resolve("Swael")
    with pytest.raises(UnknownAreaError, match="did you mean Westminster"):
        areas.resolve("Westminister")


def test_unknown_code_says_how_to_list_areas():
    with pytest.raises(UnknownAreaError, match="E99999999 is not a current English district.*nbutils areas"):
        areas.resolve("E99999999")


@pytest.mark.parametrize("query", ["E07000163", "Craven"])
def test_codes_abolished_in_2023_point_to_their_successor(query):
    with pytest.raises(UnknownAreaError, match=r"abolished in April 2023.*North Yorkshire \(E06000065\)"):
        areas.resolve(query)


def test_region_code_is_not_an_area_to_run():
    with pytest.raises(UnknownAreaError, match="South East .* is a region"):
        areas.resolve("E12000008")


def test_merged_unitary_lists_its_predecessors():
    somerset = areas.resolve("Somerset")
    names = sorted(name for _, name in areas.registry().predecessors(somerset))
    assert names == ["Mendip", "Sedgemoor", "Somerset West and Taunton", "South Somerset"]


def test_comparators_for_a_two_tier_district_include_its_county():
    roles = [(c.role, c.area.name) for c in areas.registry().comparators(areas.resolve("Swale"))]
    assert roles == [("county", "Kent"), ("region", "South East"), ("england", "England")]


def test_comparators_for_unitaries_and_london_boroughs_skip_the_county():
    for name, region in (("Medway", "South East"), ("Coventry", "West Midlands"), ("Westminster", "London")):
        roles = [(c.role, c.area.name) for c in areas.registry().comparators(areas.resolve(name))]
        assert roles == [("region", region), ("england", "England")]


def test_slug_and_folder():
    area = areas.resolve("Tonbridge and Malling")
    assert area.folder == "E07000115-tonbridge-and-malling"
    assert areas.resolve("Kingston upon Hull").slug == "kingston-upon-hull-city-of"


def test_kent_area_set_has_the_county_twelve_districts_and_medway():
    area_set, members = areas.load_area_set("kent")
    assert len(members) == 14
    assert members[0].code == "E10000016" and members[0].is_county
    assert {a.upper_tier_code for a in members[1:]} == {"E10000016", "E06000035"}
    assert "Medway" in [a.name for a in members]


def test_other_shipped_area_sets():
    assert [a.name for a in areas.load_area_set("coventry")[1]] == ["Coventry"]
    assert [a.name for a in areas.load_area_set("bi-borough")[1]] == ["Kensington and Chelsea", "Westminster", "Bi-borough"]
    assert len(areas.load_area_set("england")[1]) == 296


def test_counties_is_every_county_council_and_with_england_every_reportable_area():
    counties = areas.load_area_set("counties")[1]
    # The 21 county councils of April 2023 (Cumbria, North Yorkshire and Somerset became unitary).
    assert len(counties) == 21 and all(a.is_county for a in counties)
    assert {"Kent", "Essex", "Surrey", "Norfolk"} <= {a.name for a in counties}
    assert len(areas.resolve_targets(["england", "counties"])) == 296 + 21 == len(areas.registry().reportable())


def test_targets_mix_sets_names_and_codes_without_duplicates():
    members = areas.resolve_targets(["bi-borough", "Westminster", "E07000113"])
    assert [a.code for a in members] == ["E09000020", "E09000033", "combined-bi-borough", "E07000113"]


def test_malformed_yaml_names_the_file_and_line(tmp_path):
    bad = tmp_path / "broken.yaml"
    bad.write_text("name: Broken\nareas: [Swale, Thanet\n")
    with pytest.raises(AreaSetError, match=r"broken.yaml is not valid YAML at line \d+"):
        areas.parse_area_set(bad)


def test_area_set_missing_areas_key(tmp_path):
    bad = tmp_path / "noareas.yaml"
    bad.write_text("name: Nothing\n")
    with pytest.raises(AreaSetError, match="noareas.yaml: 'areas' field required"):
        areas.parse_area_set(bad)


def test_area_set_with_unknown_area_names_it(tmp_path):
    bad = tmp_path / "typo.yaml"
    bad.write_text("name: Typo\nareas: [Swale, Thant]\n")
    with pytest.raises(AreaSetError, match="typo.yaml: 'Thant' is not .*did you mean Thanet"):
        areas.parse_area_set(bad)


def test_unknown_area_set():
    with pytest.raises(AreaSetError, match="no area set 'nowhere'.*known sets: bi-borough, counties, coventry, england, kent"):
        areas.load_area_set("nowhere")


def test_registry_read_from_the_json_index_matches_the_parquet_tables(store_ready):
    # The registry is read from the store's registry.json (no pandas); every reportable area must be exactly what
    # the areas and predecessors tables say.
    import pandas as pd

    table = pd.read_parquet(store_ready / "areas.parquet")
    successors = pd.read_parquet(store_ready / "predecessors.parquet")
    registry = areas.Registry()
    reportable = table[table.area_type.isin(["lad", "county"])]
    assert [a.code for a in registry.reportable()] == sorted(reportable.area_code)
    assert len(reportable) == 296 + 21
    names = dict(zip(table.area_code, table.area_name))
    for row in reportable.itertuples():
        area = registry.get(row.area_code)
        upper = None if pd.isna(row.upper_tier_code) else row.upper_tier_code
        kind = "county" if row.area_type == "county" else row.lad_kind
        assert (area.code, area.name, area.area_type, area.kind, area.upper_tier_code, area.region_code) == \
            (row.area_code, row.area_name, row.area_type, kind, upper, row.region_code)
        assert registry.resolve(row.area_code) == area
        assert registry.get(area.region_code).name == names[row.region_code]
        assert registry.upper_tier(area).code == (upper if row.area_type == "lad" else row.area_code)
        merged = successors[successors.lad_code == row.area_code]
        assert registry.predecessors(area) == list(zip(merged.lad22_code, merged.lad22_name))
    assert sum(len(registry.predecessors(a)) for a in registry.reportable()) == len(successors) == 17
    for old in successors.itertuples():
        with pytest.raises(UnknownAreaError, match=rf"{old.lad22_name} \({old.lad22_code}\) was abolished"):
            registry.resolve(old.lad22_code)
    kent = registry.resolve("E10000016")
    assert [a.code for a in registry.districts_of(kent)] == \
        list(reportable[reportable.upper_tier_code == "E10000016"].sort_values("area_name").area_code)


# ----- combined areas (issue 24)

KC, WESTMINSTER = "E09000020", "E09000033"


def test_combined_area_from_the_bi_borough_set_file():
    bi = areas.resolve("bi-borough")
    assert (bi.code, bi.name, bi.kind, bi.members) == ("combined-bi-borough", "Bi-borough", "combined area",
                                                       (KC, WESTMINSTER))
    assert bi.folder == "combined-bi-borough" and bi.is_combined and not bi.is_unitary
    assert areas.resolve("Bi-borough") == bi == areas.registry().get("combined-bi-borough")
    registry = areas.registry()
    assert [a.name for a in registry.members(bi)] == ["Kensington and Chelsea", "Westminster"]
    assert registry.district_codes(bi) == [KC, WESTMINSTER]
    assert [(c.role, c.area.name) for c in registry.comparators(bi)] == [("region", "London"), ("england", "England")]
    assert registry.upper_tier(bi) is None


def test_combined_counts_are_summed_and_rates_recomputed():
    from nbutils import query, stats

    bi = areas.resolve("bi-borough")
    frame = query.with_comparators("census_overcrowded_households", bi)
    own = frame[frame.role == "area"].iloc[0]
    members = query.districts_of("census_overcrowded_households", [KC, WESTMINSTER])
    assert own["count"] == members["count"].sum() and own.denominator == members.denominator.sum()
    assert own.value == pytest.approx(stats.proportion(own["count"], own.denominator)["value"])
    births = query.with_comparators("ons_mye_young_children", bi)
    under1 = births[(births.role == "area") & (births.category == "Aged under 1")]["count"].iloc[0]
    each = query.districts_of("ons_mye_young_children", [KC, WESTMINSTER])
    assert under1 == each[each.category == "Aged under 1"]["count"].sum() == 1439 + 2352


def test_combined_rate_published_alone_is_shown_per_member_never_averaged():
    from nbutils import query

    frame = query.with_comparators("ons_hi_infant_mortality", areas.resolve("bi-borough"))
    assert frame[frame.role == "area"].value.isna().all()
    assert "never averaged" in frame[frame.role == "area"].value_note.iloc[0]
    assert set(frame[frame.role == "member"].area_name) == {"Kensington and Chelsea", "Westminster"}
    members = frame[frame.role == "member"]
    # Each member's own published rate, except the two pooled Kensington and Chelsea periods withheld because, with
    # its published single years, they would reveal a withheld year's deaths (the pooled/single-year family rule).
    withheld = members[members.value.isna()]
    assert set(zip(withheld.area_name, withheld.period)) == {("Kensington and Chelsea", "2017-19"),
                                                            ("Kensington and Chelsea", "2018-20")}
    assert withheld.value_note.str.startswith("[c]").all()


def test_combined_figure_is_withheld_when_a_member_is_withheld():
    from nbutils import combined, disclosure, store

    bi = areas.resolve("bi-borough")
    for indicator_id in ("fingertips_infant_mortality", "msds_first_feed_breastmilk", "breastfeeding_initiation"):
        members = store.indicator_data(indicator_id, area_codes=[KC, WESTMINSTER])
        withheld = set(members.loc[disclosure.is_suppressed(members) | members["count"].isna(), "period"])
        rows = combined.indicator_rows(indicator_id, bi)
        assert rows[rows.period.isin(withheld)]["count"].isna().all()


def test_combined_declaration_needs_two_members(tmp_path):
    bad = tmp_path / "pair.yaml"
    bad.write_text("name: Pair\nareas: [Adur]\ncombined:\n  Pair: [Adur]\n", encoding="utf-8")
    with pytest.raises(AreaSetError, match="at least two authorities"):
        areas.parse_area_set(bad)


def test_combined_key_message_gives_each_member_never_an_average():
    from nbutils import combined
    from nbutils.topics import nutrition

    bi = areas.resolve("bi-borough")
    ranking = nutrition.obesity_ranking("ncmp_year6_obesity", bi, "2024/25")
    # OHID Fingertips NCMP extract, Year 6 obesity 2024/25: Westminster 24.2%, Kensington and Chelsea 18.0%.
    assert combined.per_member_sentence(bi, "Year 6 obesity", ranking) == (
        "Year 6 obesity is published for each authority without counts, so none is computed for Bi-borough as a "
        "whole (a rate is never averaged): in 2024/25, Westminster 24.2% and Kensington and Chelsea 18.0%.")


def test_combined_overview_opens_with_each_members_infant_mortality_never_an_average():
    from nbutils.topics import overview

    bi = areas.resolve("combined-bi-borough")
    # DfE LAIT (ONS) single years: Westminster 2.1 per 1,000 in 2023; Kensington and Chelsea's latest is 2022.
    assert overview.key_messages(bi, overview.scorecard(bi), births=None)[0] == (
        "Infant mortality is published for each authority without counts, so none is computed for Bi-borough as a "
        "whole (a rate is never averaged): in 2023, Westminster 2.1 per 1,000 live births; none published for "
        "Kensington and Chelsea. Read it with the SUDI page: rates resting on few deaths move by chance.")


def test_combined_counts_go_through_the_disclosure_rule(monkeypatch):
    """The combined row is recomputed from the members' counts, then the indicator's rule is applied to it."""
    import pandas as pd

    from nbutils import combined, store

    rows = pd.DataFrame({"indicator_id": "fingertips_infant_mortality", "area_code": [KC, WESTMINSTER, KC, WESTMINSTER],
                         "area_type": "lad", "period": ["2016-18", "2016-18", "2017-19", "2017-19"],
                         "category_type": "", "category": "", "count": [1.0, 1.0, 30.0, float("nan")],
                         "denominator": [1000.0, 2000.0, 9000.0, 8000.0], "value": [1.0, 0.5, 3.3, float("nan")],
                         "lower_ci95": 0.1, "upper_ci95": 5.0, "lower_ci998": 0.0, "upper_ci998": 6.0,
                         "value_note": ["", "", "", "[c] suppressed"], "source": "test"})
    monkeypatch.setattr(store, "indicator_data", lambda indicator_id, area_codes=None, area_type=None: rows)
    out = combined.indicator_rows("fingertips_infant_mortality", areas.resolve("bi-borough")).set_index("period")
    # 1 + 1 = 2 deaths: below the ONS threshold of 3, so the combined count, rate and intervals are withheld.
    assert pd.isna(out.loc["2016-18", "count"]) and pd.isna(out.loc["2016-18", "value"])
    assert out.loc["2016-18", "suppressed"]
    # A member withheld: no combined figure (the sum would reveal it).
    assert pd.isna(out.loc["2017-19", "count"]) and "never averaged" in out.loc["2017-19", "value_note"]


def test_maternity_trusts_must_be_ods_codes(tmp_path):
    bad = tmp_path / "set.yaml"
    bad.write_text("name: Set\nareas: [Adur]\nmaternity_trusts: [RN7, Dartford]\n", encoding="utf-8")
    with pytest.raises(AreaSetError, match="'maternity_trusts' value error, 'dartford' is not an nhs trust"):
        areas.parse_area_set(bad)


def test_a_district_pair_keeps_the_county_it_shares(tmp_path, monkeypatch):
    from nbutils import paths, query

    (tmp_path / "pair.yaml").write_text("name: Pair\nareas: [Swale]\ncombined:\n  Swale and Canterbury: [Swale, "
                                        "E07000106]\n", encoding="utf-8")
    monkeypatch.setattr(paths, "parameters_dir", lambda: tmp_path)
    pair = areas.resolve("Swale and Canterbury")
    assert pair.code == "combined-swale-and-canterbury" and pair.members == ("E07000113", "E07000106")
    assert [(c.role, c.area.name) for c in areas.registry().comparators(pair)] == [
        ("county", "Kent"), ("region", "South East"), ("england", "England")]
    frame = query.with_comparators("census_overcrowded_households", pair)
    both = query.districts_of("census_overcrowded_households", ["E07000113", "E07000106"])
    assert frame[frame.role == "area"]["count"].iloc[0] == both["count"].sum()
    assert list(frame.role) == ["area", "county", "region", "england"]


def test_a_combined_rate_with_counts_is_recomputed_with_fingertips_intervals(tmp_path, monkeypatch):
    from nbutils import paths, query, stats

    (tmp_path / "pair.yaml").write_text("name: East\nareas: [Thanet]\ncombined:\n  Thanet and Canterbury: [Thanet, "
                                        "Canterbury]\n", encoding="utf-8")
    monkeypatch.setattr(paths, "parameters_dir", lambda: tmp_path)
    frame = query.with_comparators("fingertips_infant_mortality", areas.resolve("Thanet and Canterbury"))
    own = frame[frame.role == "area"].iloc[0]
    each = query.districts_of("fingertips_infant_mortality", ["E07000114", "E07000106"])
    # Fingertips extract 2016-18: Thanet 22 deaths in 4,692 births, Canterbury 20 in 4,034.
    assert (own["count"], own.denominator) == (each["count"].sum(), each.denominator.sum()) == (42, 8726)
    expected = stats.rate(42, 8726, multiplier=1000)
    assert (own.value, own.lower_ci95, own.upper_ci95) == pytest.approx(
        (expected["value"], expected["lower"], expected["upper"]))
    from nbutils.topics import indicators

    series = indicators.series("fingertips_infant_mortality", areas.resolve("Thanet and Canterbury"))
    # 4.81 (3.47 to 6.51) against England's 3.93: the intervals overlap, so similar, compared afresh.
    assert series[series.role == "area"].compared_with_england.iloc[0] == "Similar"
