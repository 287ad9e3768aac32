"""Nutrition topic: child obesity (NCMP), breastfeeding (initiation, 6 to 8 weeks with the authority's own local
figures beside the national ones, first feed at the nearest maternity units), child poverty, early years
development and adult obesity (the available proxy for maternal obesity), for an area against its comparators.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import combined, periods, narrative, query, store
from ..areas import Area, registry
from . import indicators, levels, maternity_units

NCMP_SOURCE = "OHID Fingertips, National Child Measurement Programme, OGL v3"
OBESITY_MEASURES = {"ncmp_reception_obesity": "Reception (age 4 to 5)", "ncmp_year6_obesity": "Year 6 (age 10 to 11)"}
QUINTILE_ORDER = ["Most deprived quintile", "Second most deprived quintile", "Average deprived quintile",
                  "Second least deprived quintile", "Least deprived quintile"]
BREASTFEEDING_SOURCE = "PHE Fingertips extract of February 2020, OGL v3"
SIX_EIGHT_WEEKS_SOURCE = "OHID Fingertips 92517 via the DfE Local Authority Interactive Tool, OGL v3"
SIX_EIGHT_WEEKS = "Breastfeeding at 6 to 8 weeks"
POVERTY_SOURCE = "DWP Children in low income families, via ONS Explore local statistics, OGL v3"
ADULT_OBESITY_SOURCE = "OHID Active Lives Adult Survey, via ONS Explore local statistics, OGL v3"
EARLY_YEARS_SOURCE = "ONS Health Index underlying data (DfE EYFSP), OGL v3"


def obesity_trend(indicator_id: str, area: Area) -> pd.DataFrame:
    """Single school years for the area and comparators (Fingertips' own comparison with England kept)."""
    return indicators.series(indicator_id, area, indicators.SINGLE_FINANCIAL_YEAR)


def obesity_latest(area: Area) -> pd.DataFrame:
    """The latest school year with a district value, Reception and Year 6, for every comparator."""
    pieces = []
    for indicator_id, measure in OBESITY_MEASURES.items():
        latest = indicators.latest(obesity_trend(indicator_id, area))
        pieces.append(latest.assign(measure=measure))
    return pd.concat(pieces, ignore_index=True)


def deprivation_gradient(indicator_id: str) -> pd.DataFrame:
    """England by deprivation quintile of residence (IMD), most deprived first, as published."""
    data = store.indicator_data(indicator_id, area_codes=[store.ENGLAND_CODE])
    data = data[data.category_type == "Deprivation quintile (IMD, England)"].copy()
    data["order"] = data.category.map({q: i for i, q in enumerate(QUINTILE_ORDER)})
    data = data.sort_values("order").drop(columns="order")
    data["area_name"] = "England"
    data["compared_with_england"] = data.value_note.map(lambda n: indicators.published_label(n, "low-is-good"))
    return data[["indicator_id", "area_code", "area_name", "period", "category", "value",
                 "compared_with_england"]].reset_index(drop=True)


def obesity_ranking(indicator_id: str, area: Area, period: str) -> pd.DataFrame:
    """The area among its county's districts (or its region's authorities), highest obesity first."""
    return indicators.siblings_ranking(indicator_id, area, period)


def breastfeeding(area: Area) -> pd.DataFrame:
    """Breastfeeding initiation 2016/17 for the area and comparators (old; published for some areas only)."""
    return indicators.series("breastfeeding_initiation", area)


def breastfeeding_6_8_weeks(area: Area) -> pd.DataFrame:
    """6 to 8 week breastfeeding, every financial year, for the area (counties and unitaries only: a district
    gets its county's rows, named 'Kent (county)'), its region and England."""
    return levels.series("breastfeeding_6_8_weeks", area)


def local_places(area: Area) -> list[str]:
    """Codes whose local figures belong beside the area's: the area, its county (a district) or its districts."""
    codes = [area.code]
    if area.is_county:
        codes += [a.code for a in registry().districts_of(area)]
    elif area.upper_tier_code and not area.is_unitary:
        codes.append(area.upper_tier_code)
    return codes


def local_breastfeeding(area: Area) -> pd.DataFrame:
    """The authority's own 6 to 8 week figures (data/local/) for :func:`local_places`, the area first.

    Kept apart from the national series: each row carries its ``label`` ("local data: <publisher>, <date>").
    """
    codes = local_places(area)
    rows = query.local_values("breastfeeding_6_8_weeks", codes)
    names = {code: registry().get(code).name for code in codes}
    rows = rows.assign(area_name=rows.area_code.map(names), order=rows.area_code.map(codes.index))
    return rows.sort_values(["order", "period"], kind="stable").drop(columns="order").reset_index(drop=True)


LOCAL_COLUMNS = ["indicator_id", "area_code", "area_name", "period", "value", "count", "denominator", "value_note",
                 "label", "publisher", "published", "title", "licence", "reference"]


def local_tidy(rows: pd.DataFrame) -> pd.DataFrame:
    """Export columns of the local figures (label, publisher and date on every row)."""
    return rows[[c for c in LOCAL_COLUMNS if c in rows]].reset_index(drop=True)


def local_view(rows: pd.DataFrame) -> pd.DataFrame:
    """Readers' table of the local figures, each labelled as local data."""
    return pd.DataFrame({"Area": rows.area_name, "Period": rows.period.map(narrative.period_label),
                         "Breastfed at 6 to 8 weeks (%)": rows.value.map(lambda v: f"{v:.1f}" if pd.notna(v) else "[x]"),
                         "Source": rows.label})


def local_caption(rows: pd.DataFrame) -> str:
    """The local figures' table caption, naming the dataset ('' when none were supplied)."""
    return f"Breastfeeding at 6 to 8 weeks, {rows.label.iloc[0]}" if len(rows) else ""


def local_sentence(area: Area, rows: pd.DataFrame) -> str:
    """'Local data: Kent County Council, 2 July 2024: Swale 38.9% breastfed at 6 to 8 weeks in 2022/23 (Kent 51.3%).'"""
    own = rows[(rows.area_code == area.code) & rows.value.notna()]
    if own.empty:
        return ""
    row = own.iloc[-1]
    others = rows[(rows.area_code != area.code) & (rows.period == row.period) & rows.value.notna()]
    beside = ""
    if area.is_county and len(others):
        low, high = others.loc[others.value.idxmin()], others.loc[others.value.idxmax()]
        beside = (f"; the {len(others)} districts in these local data ranged from {narrative.pct(low.value)} "
                  f"({low.area_name}) to {narrative.pct(high.value)} ({high.area_name})")
    elif len(others):
        beside = f" against {others.area_name.iloc[0]}'s {narrative.pct(others.value.iloc[0])}"
    return (f"In the authority's own health-visiting data ({row.label}), {narrative.pct(row.value)} of babies in "
            f"{area.name} were breastfed at 6 to 8 weeks in {row.period}{narrative.old_flag(row.period)}{beside}; "
            "these local figures are shown beside the national ones, not mixed with them.")


def first_feed(area: Area) -> pd.DataFrame:
    """Baby's first feed breast milk at the maternity units nearest the area (place of care), region, England."""
    return maternity_units.nearest(area, "msds_first_feed_breastmilk")


def child_poverty(area: Area) -> pd.DataFrame:
    """Children in relative low income families, before and after housing costs, every year, per comparator."""
    pieces = [indicators.series("dwp_children_relative_low_income", area, category=c).assign(measure=c)
              for c in ("Before housing costs", "After housing costs")]
    out = pd.concat(pieces, ignore_index=True)
    return out[out.value.notna() | (out.role == "area")].reset_index(drop=True)


def adult_obesity(area: Area) -> pd.DataFrame:
    """Adult obesity with 95% CIs and stats.compare against England, every survey year."""
    return indicators.series("ohid_adult_obesity", area)


def early_years(area: Area) -> pd.DataFrame:
    """Good level of development at the end of Reception, district and the median of English districts."""
    from .housing import health_index_series

    return health_index_series("ons_hi_early_years_development", area)


def trend_labels(area: Area, adult: pd.DataFrame) -> pd.DataFrame:
    """Recent-trend labels (last five points) where computable, and why not elsewhere."""
    rows = []
    for indicator_id, measure in OBESITY_MEASURES.items():
        rows.append({"indicator": f"Obesity in {measure}", "area_name": area.name,
                     "recent_trend": indicators.trend_label(obesity_trend(indicator_id, area), indicator_id)})
    rows.append({"indicator": "Adults living with obesity", "area_name": area.name,
                 "recent_trend": indicators.trend_label(adult, "ohid_adult_obesity")})
    return pd.DataFrame(rows)


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class MessageInputs:
    """The tables the key messages are computed from, each as the function named beside it returns it.

    The last three may be None: their messages are then left out.
    """

    latest: pd.DataFrame  #: :func:`obesity_latest`
    ranking: pd.DataFrame  #: :func:`obesity_ranking` of Year 6 obesity
    gradient: pd.DataFrame  #: :func:`deprivation_gradient` of Year 6 obesity
    poverty: pd.DataFrame  #: :func:`child_poverty`
    adult: pd.DataFrame  #: :func:`adult_obesity`
    feeding: pd.DataFrame  #: :func:`breastfeeding`
    weeks: pd.DataFrame | None = None  #: :func:`breastfeeding_6_8_weeks`
    local: pd.DataFrame | None = None  #: :func:`local_breastfeeding`
    feed: pd.DataFrame | None = None  #: :func:`first_feed`


def key_messages(area: Area, inputs: MessageInputs) -> list[str]:
    """Plain-English messages computed from the page's tables."""
    latest, ranking, gradient, poverty = inputs.latest, inputs.ranking, inputs.gradient, inputs.poverty
    adult, feeding, weeks, local, feed = inputs.adult, inputs.feeding, inputs.weeks, inputs.local, inputs.feed
    messages = []
    year6 = latest[latest.measure == OBESITY_MEASURES["ncmp_year6_obesity"]]
    if len(year6):
        here = year6[year6.role == "area"].iloc[0]
        england = indicators.value_of(year6, "england")
        messages.append(
            f"In {here.period}{narrative.old_flag(here.period)}, {narrative.pct(here.value)} of Year 6 children in {area.name} were obese "
            f"(England {narrative.pct(england)}): "
            f"{narrative.comparison_phrase(here.compared_with_england, here.comparison_method)}.")
        ranked = ranking[ranking.value.notna()]
        if ranking.is_area.any() and len(ranked) > 1:
            rank = ranking.loc[ranking.is_area, "rank"].iloc[0]
            if pd.notna(rank):
                tied = int((ranked["rank"] == rank).sum()) > 1
                messages.append(f"{area.name} {narrative.rank_phrase(int(rank), tied, len(ranked))} "
                                f"{indicators.sibling_group_name(area)} for Year 6 obesity in {here.period} "
                                "(1 = highest).")
    elif area.is_combined:
        messages.append(combined.per_member_sentence(area, "Year 6 obesity", ranking))
    else:
        messages.append(f"No Year 6 obesity figure is published for {area.name} in the extract held here.")
    if len(gradient):
        most, least = gradient.iloc[0], gradient.iloc[-1]
        messages.append(
            f"Across England ({most.period}{narrative.old_flag(most.period)}), Year 6 obesity was {narrative.pct(most.value)} in the most deprived "
            f"fifth of neighbourhoods and {narrative.pct(least.value)} in the least deprived: "
            f"{narrative.times(most.value / least.value)} as high.")
    ahc = poverty[(poverty.role == "area") & (poverty.measure == "After housing costs") & poverty.value.notna()]
    bhc = poverty[(poverty.role == "area") & (poverty.measure == "Before housing costs") & poverty.value.notna()]
    if len(ahc):
        row = ahc.iloc[-1]
        messages.append(f"In {row.period}{narrative.old_flag(row.period)}, {narrative.pct(row.value)} of children under 16 in {area.name} "
                        "lived in relative poverty after housing costs (the page's chart shows the measure before "
                        "housing costs), the context for Healthy Start and food insecurity.")
    elif len(bhc):
        row = bhc.iloc[-1]
        messages.append(f"In {row.period}{narrative.old_flag(row.period)}, {narrative.pct(row.value)} of children under 16 in {area.name} "
                        "lived in relative low income families (before housing costs).")
    adult_latest = indicators.latest(adult)
    if len(adult_latest):
        here = adult_latest[adult_latest.role == "area"].iloc[0]
        messages.append(
            f"{narrative.pct(here.value)} of adults were living with obesity in {here.period}{narrative.old_flag(here.period)}: "
            f"{narrative.comparison_phrase(here.compared_with_england, here.comparison_method)}. This all-adult "
            "figure is the available proxy for obesity in pregnancy.")
    if weeks is not None:
        messages.append(levels.latest_sentence(area, weeks, SIX_EIGHT_WEEKS, "%"))
    if local is not None and len(local):
        messages.append(local_sentence(area, local))
    if feed is not None:
        messages.append(maternity_units.sentence(area, feed, "the share of babies whose first feed was breast milk"))
    messages = [m for m in messages if m]
    feeding_here = feeding[(feeding.role == "area") & feeding.value.notna()]
    if len(feeding_here):
        row = feeding_here.iloc[0]
        messages.append(f"Breastfeeding initiation was {narrative.pct(row.value)} in {row.period}"
                        f"{narrative.old_flag(row.period)}: "
                        f"{narrative.comparison_phrase(row.compared_with_england, row.comparison_method)}.")
    return messages


def trend_labels_view(labels: pd.DataFrame) -> pd.DataFrame:
    """The recent-trend table with readers' headings."""
    return pd.DataFrame({"Indicator": labels.indicator, "Area": labels.area_name,
                         "Recent trend (last five values)": labels.recent_trend})


def ranking_view(ranking: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({
        "Rank (1 = highest)": [("joint " if (ranking["rank"] == r).sum() > 1 else "") + f"{int(r)}"
                               if pd.notna(r) else "-" for r in ranking["rank"]],
        "Area": ranking.area_name, "Period": ranking.period.map(narrative.period_label),
        "Obese (%)": ranking.value.map(lambda v: f"{v:.1f}" if pd.notna(v) else "not published"),
        "Compared with England": ranking.compared_with_england.fillna("not published"),
    })


def gradient_view(gradient: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"Deprivation quintile (England)": gradient.category,
                         "Period": gradient.period.map(narrative.period_label),
                         "Obese (%)": gradient.value.map(lambda v: f"{v:.1f}"),
                         "Fingertips comparison with England": gradient.compared_with_england})


def age_note(frame: pd.DataFrame) -> str:
    """A plain flag saying how old the figures in ``frame`` are ('' when recent)."""
    latest = sorted(frame.period.dropna().unique(), key=periods.sort_key)
    if not latest or not narrative.old_flag(latest[-1]):
        return ""
    return (f"These are old figures: the latest period held, {latest[-1]}, ended "
            f"{periods.ended_label(latest[-1])}, more than {periods.OLD_AFTER_YEARS} years before this pack.")


def missing_note(area: Area, frame: pd.DataFrame) -> str:
    """Name the comparators with no value in any period (e.g. a region whose figure was withheld), or ''."""
    held = set(frame.loc[frame.value.notna(), "area_code"])
    empty = [c.area.name for c in registry().comparators(area) if c.area.code not in held]
    if not empty:
        return ""
    return (f"No value is published for {narrative.list_phrase(empty)} in any year held here (not available, "
            "not zero).")


def obesity_coverage(area: Area, trends: list[pd.DataFrame]) -> str:
    """Which of the area's comparators the NCMP extract holds, in the area's own terms ('' when it holds all)."""
    held = set().union(*(set(t.loc[t.value.notna(), "area_code"]) for t in trends)) if trends else set()
    absent = [c.area.name for c in registry().comparators(area) if c.area.code not in held]
    members = [m.name for m in registry().members(area) if m.code in held]
    if area.code not in held and not members:
        absent.insert(0, area.name)
    either = ", ".join(absent[:-1]) + f" or {absent[-1]}" if len(absent) > 1 else "".join(absent)
    text = f"The extract holds no figures for {either}, so {'they are' if len(absent) > 1 else 'it is'} not shown." \
        if absent else ""
    if members:
        text = (f"The extract publishes rates without counts, so no figure for {area.name} as a whole can be "
                f"computed; {narrative.list_phrase(members)} are shown separately. " + text).strip()
    return text


def initiation_withheld(area: Area, feeding: pd.DataFrame) -> str:
    """Which of the area's own rows Fingertips withheld for data quality ('' when none)."""
    notes = feeding.loc[feeding.role != "england"].set_index("area_name").value_note.fillna("")
    withheld = [name for name, note in notes.items() if "data quality" in note]
    if not withheld:
        return ""
    values = "values" if len(withheld) > 1 else "value"
    return (f"Fingertips withheld the {values} for {narrative.list_phrase(withheld)} because "
            f"{'they' if len(withheld) > 1 else 'it'} failed data-quality checks (not available, not zero).")


def initiation_missing(area: Area) -> str:
    """Why the 2016/17 initiation table is absent, in the words that fit the area's level."""
    if area.is_county or area.is_unitary or not area.upper_tier_code:
        return f"No value is published for {area.name} in the extract held here."
    return f"No value is published for {area.name} or its county in the extract held here."


def early_years_missing(area: Area) -> str:
    """Why the early-years series has no line for the area (a county, or an area formed in April 2023)."""
    from .housing import health_index_missing

    return health_index_missing(area)


def child_poverty_view(poverty: pd.DataFrame) -> pd.DataFrame:
    """Child poverty as readers see it: one row per area and measure (before / after housing costs), years across."""
    pieces = []
    for measure, rows in poverty.groupby("measure", sort=False):
        wide = indicators.wide_by_period(rows)
        wide.insert(1, "Measure", measure)
        pieces.append(wide)
    if not pieces:
        return pd.DataFrame(columns=["Area", "Measure"])
    out = pd.concat(pieces, ignore_index=True).fillna("[x]")
    return out.sort_values(["Area", "Measure"], key=lambda s: s.map({a: i for i, a in enumerate(
        dict.fromkeys(out.Area))}) if s.name == "Area" else s, kind="stable").reset_index(drop=True)

