"""Housing topic: overcrowding, tenure, household deprivation, deprivation indices and homelessness for an area.

Census figures are whole-population counts, so they are compared descriptively; MHCLG and Health Index rates
have no intervals or counts and no England row, so the district is placed among all English districts instead.
Each function returns a tidy frame ready to export, or sentences for the key messages.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .. import combined, narrative, query, store, tables
from ..areas import Area
from . import indicators, places

CENSUS_SOURCE = "ONS Census 2021 (TS052, TS054, TS011), OGL v3"
IMD_SOURCE = "MHCLG English Indices of Deprivation 2019 and 2025, OGL v3"
HOMELESSNESS_SOURCE = "MHCLG Statutory homelessness live tables, Oct-Dec 2023, OGL v3"
HEALTH_INDEX_SOURCE = "ONS Health Index for England underlying data, OGL v3"

TENURE_GROUPS = {
    "Owned: Owns outright": "Owned outright",
    "Owned: Owns with a mortgage or loan": "Owned with a mortgage or shared ownership",
    "Shared ownership: Shared ownership": "Owned with a mortgage or shared ownership",
    "Social rented: Rents from council or Local Authority": "Social rented",
    "Social rented: Other social rented": "Social rented",
    "Private rented: Private landlord or letting agency": "Private rented or lives rent free",
    "Private rented: Other private rented": "Private rented or lives rent free",
    "Lives rent free": "Private rented or lives rent free",
}
DIMENSION_LABELS = {
    "Household is not deprived in any dimension": "No dimension",
    "Household is deprived in one dimension": "One dimension",
    "Household is deprived in two dimensions": "Two dimensions",
    "Household is deprived in three dimensions": "Three dimensions",
    "Household is deprived in four dimensions": "Four dimensions",
}
HOMELESSNESS_MEASURES = {
    "mhclg_households_in_temporary_accommodation": "Households in temporary accommodation (per 1,000 households)",
    "mhclg_households_assessed_homeless": "Households assessed as homeless (per 1,000 households)",
}


def _census(indicator_id: str, area: Area) -> pd.DataFrame:
    frame = query.with_comparators(indicator_id, area)
    return frame.rename(columns={"denominator": "households", "value": "share_pct"})[
        ["area_code", "area_name", "role", "period", "category", "count", "households", "share_pct", "source"]]


def overcrowding(area: Area) -> pd.DataFrame:
    """Overcrowded households (occupancy rating -1 or less): count, households and share per comparison area."""
    frame = _census("census_overcrowded_households", area).drop(columns="category")
    england = frame.loc[frame.role == "england", "share_pct"].iloc[0]
    frame["ratio_to_england"] = frame.share_pct / england
    return frame.reset_index(drop=True)


def occupancy(area: Area) -> pd.DataFrame:
    """All five occupancy ratings per comparison area (shares of households), from +2 or more (most room to
    spare) down to -2 or less (most overcrowded), as the rating scale reads."""
    frame = _census("census_occupancy_rating", area).rename(columns={"category": "occupancy_rating"})
    # The rating's leading number ("+2 or more", "0 (ideal)", "-1 (overcrowded)"); a label without one goes last.
    rank = frame.occupancy_rating.str.extract(r"^([+-]?\d+)", expand=False).astype(float)
    return frame.iloc[(-rank.fillna(-99)).argsort(kind="stable")].reset_index(drop=True)


def tenure(area: Area) -> pd.DataFrame:
    """Tenure in four groups (owned outright, mortgage/shared, social rented, private rented) per comparison area."""
    frame = _census("census_household_tenure", area)
    frame["tenure"] = frame.category.map(TENURE_GROUPS)
    out = (frame.groupby(["area_code", "area_name", "role", "period", "tenure"], sort=False, as_index=False)
           .agg(count=("count", "sum"), households=("households", "first")))
    out["share_pct"] = out["count"] / out.households * 100
    return out


def household_deprivation(area: Area) -> pd.DataFrame:
    """Households by number of Census deprivation dimensions per comparison area."""
    frame = _census("census_household_deprivation", area)
    frame["dimensions"] = frame.category.map(DIMENSION_LABELS)
    # Natural order (none, one, ... four), whatever order the store returns: tables and charts follow the rows.
    order = {label: i for i, label in enumerate(DIMENSION_LABELS.values())}
    frame = frame.sort_values("dimensions", key=lambda s: s.map(order), kind="stable")
    return frame.drop(columns="category").reset_index(drop=True)


def msoa_overcrowding(area: Area) -> pd.DataFrame:
    """Per MSOA: overcrowded households, households, share, and share of households renting socially or privately."""
    crowded = query.small_areas("census_overcrowded_households", area)
    out = crowded[["area_code", "area_name", "period", "count", "denominator", "value"]].rename(
        columns={"count": "overcrowded_households", "denominator": "households", "value": "overcrowded_pct"})
    tenure_rows = query.small_areas("census_household_tenure", area)
    tenure_rows = tenure_rows.assign(group=tenure_rows.category.map(TENURE_GROUPS))
    for group, column in (("Social rented", "social_rented_pct"),
                          ("Private rented or lives rent free", "private_rented_pct")):
        share = tenure_rows[tenure_rows.group == group].groupby("area_code").agg(
            count=("count", "sum"), households=("denominator", "first"))
        out[column] = out.area_code.map(share["count"] / share.households * 100)
    imd = query.small_areas("imd2025_lsoas_most_deprived_20pct", area)
    barriers = imd[imd.category == "Barriers to Housing and Services"].set_index("area_code")["value"]
    out["lsoas_most_deprived_barriers_pct"] = out.area_code.map(barriers)
    out = places.named_msoas(out)
    return out.sort_values("overcrowded_pct", ascending=False).reset_index(drop=True)


def msoa_shapes(profile: pd.DataFrame, area: Area):
    """MSOA boundaries joined to :func:`msoa_overcrowding`, with tooltip text; and the district outline."""
    return places.msoa_shapes(profile, area, numbers=("households",), percent=(
        "overcrowded_pct", "social_rented_pct", "private_rented_pct", "lsoas_most_deprived_barriers_pct"))


def lsoa_overcrowding(area: Area) -> pd.DataFrame:
    """Per LSOA in the district: overcrowded households and share, with the IoD2025 barriers-to-housing decile."""
    out = query.small_areas("census_overcrowded_households", area, level="lsoa")
    deciles = query.small_areas("imd2025_lsoa_decile", area, level="lsoa")
    barriers = deciles[deciles.category == "Barriers to Housing and Services"].set_index("area_code")["value"]
    out = out.assign(barriers_to_housing_decile=out.area_code.map(barriers), period="2021")
    return out.rename(columns={"count": "overcrowded_households", "denominator": "households",
                               "value": "overcrowded_pct"})[
        ["area_code", "area_name", "overcrowded_households", "households", "overcrowded_pct",
         "barriers_to_housing_decile", "period"]]


def lsoa_shapes(profile: pd.DataFrame):
    """LSOA boundaries for the area (shipped for the first customer's areas only); None where not shipped."""
    shapes = store.boundaries("lsoa")
    shapes = shapes[shapes.area_code.isin(profile.area_code)]
    if shapes.empty or len(shapes) < len(profile) * 0.9:
        return None
    shapes = shapes.drop(columns=["area_name", "lad_code"]).merge(profile, on="area_code")
    shapes["overcrowded_pct_text"] = shapes.overcrowded_pct.map(narrative.pct)
    shapes["barriers_text"] = shapes.barriers_to_housing_decile.map(
        lambda d: f"decile {int(d)} (1 = most deprived 10% in England)" if pd.notna(d) else "not available")
    return shapes


def lsoa_map_missing(area: Area) -> str:
    """Why the page has no LSOA map for ``area``, naming the area only."""
    return (f"No smaller-area (LSOA) map is drawn for {area.name}: LSOA boundaries are shipped with the workbook for "
            f"a few areas only, and not for {area.name}. The MSOA map above covers {area.name}.")


def deprivation_neighbourhoods(area: Area) -> pd.DataFrame:
    """Share of LSOAs among England's most deprived 20% (IoD2025) by domain, per comparison area."""
    frame = query.with_comparators("imd2025_lsoas_most_deprived_20pct", area)
    return frame.rename(columns={"category": "domain", "count": "lsoas_most_deprived_20pct",
                                 "denominator": "lsoas", "value": "share_pct"})[
        ["area_code", "area_name", "role", "period", "domain", "lsoas_most_deprived_20pct", "lsoas", "share_pct"]]


def deprivation_ranks(area: Area) -> pd.DataFrame:
    """The district's average deprivation score and rank among English districts (1 = most deprived), 2019 and
    2025; for a county (MHCLG ranks districts and unitaries only), each of its districts."""
    data = store.indicator_data("imd_la_average_score", area_type="lad")
    registry = indicators.registry()
    places = [registry.get(c) for c in registry.district_codes(area)] if area.shows_parts else [area]
    rows = []
    for (period, domain), group in data.groupby(["period", "category"]):
        ranks = group.value.rank(ascending=False, method="min")
        for place in places:
            here = group.area_code == place.code
            rows.append({"area_code": place.code, "area_name": place.name, "period": period, "domain": domain,
                         "average_score": group.loc[here, "value"].iloc[0] if here.any() else np.nan,
                         "rank_most_deprived_first": ranks[here].iloc[0] if here.any() else np.nan,
                         "districts_ranked": len(group)})
    return pd.DataFrame(rows).sort_values(["domain", "period", "rank_most_deprived_first"]).reset_index(drop=True)


def ranks_caption(area: Area) -> str:
    """Caption of the rank table: the area, or a county's districts (counties are not ranked with districts)."""
    who = f"{area.parts_name.capitalize()} of {area.name}" if area.shows_parts else area.name
    return f"{who}: deprivation rank among English districts and unitary authorities, IoD2019 and IoD2025"


def homelessness(area: Area) -> pd.DataFrame:
    """Temporary accommodation and assessed-homeless rates for the district against all English districts."""
    rows = []
    for indicator_id, measure in HOMELESSNESS_MEASURES.items():
        data = query.districts_of(indicator_id, [area.code])
        value = data.value.iloc[0] if len(data) else np.nan
        period = data.period.iloc[0] if len(data) else "Oct-Dec 2023"
        spread = indicators.district_distribution(indicator_id, period)
        rows.append({"indicator_id": indicator_id, "measure": measure, "area_code": area.code,
                     "area_name": area.name, "period": period, "value": value,
                     "england_districts_median": spread["median"],
                     "england_districts_lower_quartile": spread["lower_quartile"],
                     "england_districts_upper_quartile": spread["upper_quartile"],
                     "districts_reporting": spread["districts"],
                     "position": ("not published for counties: MHCLG publishes district rates without counts, "
                                  "so no county rate can be derived; its districts are shown below"
                                  if area.is_county else
                                  f"not published for {area.name} as a whole: MHCLG publishes rates without counts, "
                                  "so none can be derived; its authorities are shown below"
                                  if area.is_combined else indicators.position_in_distribution(value, spread)),
                     "significance": indicators.METHOD_NONE})
    return pd.DataFrame(rows)


def homelessness_districts(area: Area) -> pd.DataFrame:
    """A county's districts' homelessness rates (MHCLG publishes no county figure and no counts to sum)."""
    frames = []
    for indicator_id, measure in HOMELESSNESS_MEASURES.items():
        ranked = indicators.siblings_ranking(indicator_id, area, "Oct-Dec 2023")
        frames.append(ranked.assign(measure=measure))
    return pd.concat(frames, ignore_index=True)


def health_index_series(indicator_id: str, area: Area) -> pd.DataFrame:
    """A Health Index series for a district or unitary with the median of English districts each year (no England
    row); a county (not published: rates cannot be summed) gets its districts' series instead (role 'district')."""
    codes = [a.code for a in indicators.registry().districts()]
    data = query.districts_of(indicator_id, codes)
    median = data.groupby("period", as_index=False).value.median()
    here = data[data.area_code == area.code][["period", "value", "value_note"]]
    members = pd.DataFrame(columns=["area_code", "area_name", "period", "value", "value_note"])
    if area.shows_parts:
        names = {c: indicators.registry().get(c).name for c in indicators.registry().district_codes(area)}
        members = data[data.area_code.isin(names)][["area_code", "period", "value", "value_note"]]
        members = members.assign(area_name=members.area_code.map(names)).sort_values("area_name", kind="stable")
    out = pd.concat([
        here.assign(role="area", area_name=area.name, area_code=area.code),
        members.assign(role="district"),
        median.assign(role="districts_median", area_name="Median of English districts", area_code="", value_note=""),
    ], ignore_index=True)
    out["indicator_id"] = indicator_id
    out["compared_with_england"] = indicators.NOT_TESTED
    return out[["indicator_id", "area_code", "area_name", "role", "period", "value", "compared_with_england",
                "value_note"]].sort_values(["period", "role"]).reset_index(drop=True)


def health_index_missing(area: Area) -> str:
    """Why a Health Index series has no line for the area, in the words that fit its level."""
    if area.is_county:
        return (f"The ONS Health Index publishes this for districts and unitary authorities, not counties, and a "
                f"county rate cannot be derived from district rates without counts; {area.name}'s districts are "
                "shown in the table.")
    if area.is_combined:
        return (f"The ONS Health Index publishes this for districts and unitary authorities, not for {area.name} as "
                f"a whole, and its rate cannot be derived from theirs without counts; {area.name}'s authorities are "
                "shown in the table.")
    if indicators.is_merged_2023(area):
        return "The Health Index uses 2021 boundaries and publishes no value for areas created in April 2023."
    return "The Health Index file held here has no row for this area."


def health_index_view(frame: pd.DataFrame, decimals: int | None = None) -> pd.DataFrame:
    """A Health Index series as readers see it: the area and the median district in rows, years across
    (values at the catalogue's decimals unless ``decimals`` is given)."""
    return tables.by_period(frame, decimals, role_order=query.ROLE_ORDER)


OVERCROWDING_TABLE = tables.TableSpec([
    tables.Column("area_name", "Area", kind="text"),
    tables.Column("count", "Overcrowded households", kind="count"),
    tables.Column("households", "All households", kind="count"),
    tables.Column("share_pct", "Share overcrowded", kind="percent", decimals=2),
    tables.Column("ratio_to_england", "Compared with England's share", unit="times", decimals=2),
])

MSOA_TABLE = tables.TableSpec([
    tables.Column("area_name", "MSOA", kind="text"),
    tables.Column("households", "Households", kind="count"),
    tables.Column("overcrowded_pct", "Overcrowded", kind="percent"),
    tables.Column("social_rented_pct", "Social rented", kind="percent"),
    tables.Column("private_rented_pct", "Private rented", kind="percent"),
    tables.Column("lsoas_most_deprived_barriers_pct", "LSOAs in England's most deprived 20% for barriers to housing",
           kind="percent", decimals=0),
])


def overcrowding_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Readers' table of the overcrowding comparison (:data:`OVERCROWDING_TABLE`)."""
    return OVERCROWDING_TABLE.render(frame.reset_index(drop=True))


def msoa_view(profile: pd.DataFrame) -> pd.DataFrame:
    """Readers' table of :func:`msoa_overcrowding` (:data:`MSOA_TABLE`)."""
    return MSOA_TABLE.render(profile.reset_index(drop=True))


def ranks_view(ranks: pd.DataFrame) -> pd.DataFrame:
    areas = {"Area": ranks.area_name} if ranks.area_code.nunique() > 1 else {}
    return pd.DataFrame({
        **areas,
        "Domain": ranks.domain, "Edition": "IoD" + ranks.period,
        "Average score": ranks.average_score.map(lambda v: f"{v:.1f}" if pd.notna(v) else "not available"),
        "Rank (1 = most deprived)": [f"{int(r)} of {n}" if pd.notna(r) else "not available"
                                     for r, n in zip(ranks.rank_most_deprived_first, ranks.districts_ranked)],
    })


HOMELESSNESS_DISTRICTS_TABLE = tables.TableSpec([
    tables.Column("value", "per 1,000 households", decimals=2),
    tables.Column("rank", "rank (1 = highest)", kind="count", missing="-"),
])


def homelessness_districts_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader view of :func:`homelessness_districts`: one row per district (highest rate of temporary accommodation
    first) with each measure's rate and rank side by side; the CSV keeps one row per district and measure."""
    parts = []
    for indicator_id, measure in HOMELESSNESS_MEASURES.items():
        rows = frame[frame.indicator_id == indicator_id].reset_index(drop=True)
        shown = HOMELESSNESS_DISTRICTS_TABLE.render(rows)
        shown.index = rows.area_name
        shown.columns = [f"{measure.split(' (')[0]}, {heading}" for heading in shown.columns]
        parts.append(shown)
    order = list(dict.fromkeys(name for part in parts for name in part.index))
    wide = pd.concat([part.reindex(order) for part in parts], axis=1).fillna("[x]")
    return wide.rename_axis("District").reset_index()


def homelessness_spec(area_name: str) -> tables.TableSpec:
    """Readers' columns of the homelessness comparison, the area's value headed with its name."""
    unit = "per 1,000 households"
    return tables.TableSpec([
        tables.Column("measure", "Measure", kind="text"),
        tables.Column("period", "Period", kind="period"),
        tables.Column("value", area_name, unit=unit, decimals=2),
        tables.Column("england_districts_median", "Median of English districts", unit=unit, decimals=2),
        tables.Column(("england_districts_lower_quartile", "england_districts_upper_quartile"),
               f"Middle half of districts ({unit})", kind="interval", decimals=2),
        tables.Column("position", "Position among English districts", kind="text"),
    ])


def homelessness_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Readers' table of the homelessness comparison (:func:`homelessness_spec`)."""
    return homelessness_spec(frame.area_name.iloc[0]).render(frame.reset_index(drop=True))


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class MessageInputs:
    """The tables the key messages are computed from, each as the function named beside it returns it."""

    crowding: pd.DataFrame  #: :func:`overcrowding`
    tenure: pd.DataFrame  #: :func:`tenure`
    neighbourhoods: pd.DataFrame  #: :func:`deprivation_neighbourhoods`
    homeless: pd.DataFrame  #: :func:`homelessness`
    profile: pd.DataFrame  #: :func:`msoa_overcrowding`


def key_messages(area: Area, inputs: MessageInputs) -> list[str]:
    """Plain-English messages computed from the page's tables."""
    tenure_mix, neighbourhoods, homeless, profile = inputs.tenure, inputs.neighbourhoods, inputs.homeless, inputs.profile
    by_role = inputs.crowding.set_index("role")
    here = by_role.loc["area"]
    comparison = narrative.describe_difference(here.share_pct, by_role.loc["england", "share_pct"], "England")
    if "county" in by_role.index:
        county = by_role.loc["county"]
        comparison += " and " + narrative.describe_difference(here.share_pct, county.share_pct, county.area_name)
    messages = [
        f"In 2021, {narrative.number(here['count'])} of {area.name}'s {narrative.number(here.households)} households "
        f"({narrative.pct(here.share_pct)}) were overcrowded, with fewer bedrooms than they needed: {comparison}. "
        "Overcrowding is linked to sudden unexpected death in infancy."
    ]
    rented = tenure_mix[(tenure_mix.role == "area") & tenure_mix.tenure.isin(
        ["Social rented", "Private rented or lives rent free"])].set_index("tenure").share_pct
    if len(rented) == 2:
        messages.append(
            f"{narrative.pct(rented['Social rented'])} of households rented from a social landlord and "
            f"{narrative.pct(rented['Private rented or lives rent free'])} rented privately or lived rent free "
            "(2021); renting families are the most exposed to overcrowding and homelessness.")
    ta = homeless[homeless.indicator_id == "mhclg_households_in_temporary_accommodation"].iloc[0]
    if pd.notna(ta.value):
        messages.append(
            f"In {ta.period}{narrative.old_flag(ta.period)}, {ta.value:.1f} in every 1,000 households were in temporary accommodation, "
            f"{ta.position} (median {ta.england_districts_median:.1f}); no significance test is possible because "
            "MHCLG publishes no intervals or counts in this table.")
    elif area.is_combined:
        messages.append(combined.per_member_sentence(
            area, "the temporary accommodation rate (MHCLG)",
            homelessness_districts(area).query("indicator_id == 'mhclg_households_in_temporary_accommodation'"),
            unit="per 1,000 households"))
    else:
        messages.append(f"MHCLG did not publish a temporary accommodation rate for this area for {ta.period}.")
    barriers = neighbourhoods[(neighbourhoods.role == "area")
                              & (neighbourhoods.domain == "Barriers to Housing and Services")]
    if len(barriers):
        row = barriers.iloc[0]
        messages.append(
            f"{narrative.number(row.lsoas_most_deprived_20pct)} of the area's {narrative.number(row.lsoas)} "
            f"neighbourhoods ({narrative.pct(row.share_pct, 0)}) are among England's most deprived 20% for barriers "
            "to housing and services (IoD2025), against 20% across England by definition.")
    if len(profile) >= 2:
        top = profile.head(2)
        messages.append("Overcrowding is highest in " + narrative.list_phrase(
            [f"{r.area_name} ({narrative.pct(r.overcrowded_pct)})" for r in top.itertuples()]) + " (see the map).")
    return messages


DECILE_VERSIONS = {"imd2019_lsoas_by_decile": "IoD2019", "imd2025_lsoas_by_decile": "IoD2025"}


def deprivation_deciles(area: Area) -> pd.DataFrame:
    """Share of the area's LSOAs (and its comparators') in each national IMD decile, IoD2019 and IoD2025.

    Returns
    -------
    DataFrame
        area_code, area_name, role, version ('IoD2019'/'IoD2025'), period, decile (1-10), category (label),
        count (LSOAs in the decile), denominator (LSOAs in the area), value (%); most deprived decile first.
    """
    pieces = []
    for indicator_id, version in DECILE_VERSIONS.items():
        frame = query.with_comparators(indicator_id, area)
        frame = frame[frame.value.notna()].assign(version=version, indicator_id=indicator_id)
        pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True)
    out["decile"] = out.category.str.extract(r"Decile (\d+)", expand=False).astype(int)
    out = out.sort_values(["order", "version", "decile"], kind="stable")
    return out[["indicator_id", "area_code", "area_name", "role", "version", "period", "decile", "category", "count",
                "denominator", "value"]].reset_index(drop=True)


def deciles_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Deciles down, one column per area and IoD edition: '18.8% (16 of 85)'."""
    cells = frame.assign(column=frame.area_name + ", " + frame.version,
                         text=[f"{v:.1f}% ({int(c):,} of {int(d):,})" for v, c, d in
                               zip(frame.value, frame["count"], frame.denominator)])
    wide = cells.pivot_table(index="category", columns="column", values="text", aggfunc="first", sort=False)
    order = list(dict.fromkeys(cells.sort_values("decile", kind="stable").category))
    wide = wide.reindex(index=order, columns=list(dict.fromkeys(cells.column)))
    wide.columns.name = None
    return wide.rename_axis("National decile (IMD)").reset_index()


def deciles_message(area: Area, frame: pd.DataFrame) -> str:
    """The most-deprived-10% share on both editions, as local strategies quote it."""
    here = frame[(frame.role == "area") & (frame.decile == 1)].set_index("version")
    parts = [f"{int(here.loc[v, 'count'])} of {int(here.loc[v, 'denominator'])} ({narrative.pct(here.loc[v, 'value'])}) "
             f"on {v}" for v in ("IoD2019", "IoD2025") if v in here.index]
    if not parts:
        return ""
    return (f"Neighbourhoods (LSOAs) of {area.name} in England's most deprived 10%: {' and '.join(parts)} "
            "(England 10% by definition).")


UNDER_ONES_BY_DECILE = (
    "The workbook holds residents by single year of age for districts only (ONS mid-year estimates), not for "
    "neighbourhoods (LSOAs), so the area's children under 1 cannot be placed in deprivation deciles. NHS Maternity "
    "Statistics publish mothers' deprivation decile at booking by NHS trust (place of care), not by area of residence.")
