"""What would it take: the national report's seven levers for an area, and its gap to England in deaths a year.

The national inputs are in ``parameters/levers/national.yaml`` (each with its source); the arithmetic is in
:mod:`nbutils.planning.levers`. This module finds the area's own latest figures (or its county's, named), its
infant deaths a year with their interval, and words the tables.

Infant deaths a year: districts from the ONS Health Index three-year rate; counties and unitary authorities from
the latest three single years (ONS via DfE LAIT), pooled. Neither source publishes counts, so deaths are estimated
as rate x births / 1,000 with births from one stated source (residents aged under 1, ONS mid-2020 estimates), and
the interval is Byar's (exact Poisson under 10 events) on that estimate, as :func:`nbutils.stats.rate_ci`. Where
the estimate is under :data:`nbutils.disclosure.IMPLIED_EVENTS_THRESHOLD` no deaths figure is shown.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import yaml
from pydantic import ValidationError

from .. import disclosure, narrative, paths, periods, planning, query, stats
from ..areas import Area, registry
from ..errors import WorkbookError
from . import indicators, scale_of_need

NATIONAL_FILE = "levers/national.yaml"
HI_ID, SINGLE_ID = "ons_hi_infant_mortality", "infant_mortality_single_year"
POOLED_YEARS = 3
BIRTHS_SOURCE = "residents aged under 1 at mid-2020 (ONS mid-year estimates), an approximation of annual births"

#: Each lever's local figure: the scorecard indicator (with its category) and whether the risk is its complement.
LOCAL_INDICATORS = {
    "child_poverty": ("dwp_children_relative_low_income", "Before housing costs", False),
    "obesity": ("ohid_adult_obesity", "", False),
    "smoking": ("satod", "", False),
    "overcrowding": ("census_overcrowded_households", "", False),
    "sudi": (None, "", False),
    "teenage_conceptions": ("fingertips_under18_conceptions", "", False),
    "breastfeeding": ("breastfeeding_6_8_weeks", "", True),
}
PROXY = {
    "obesity": "adults living with obesity (proxy for maternal obesity)",
    "breastfeeding": "breastfeeding at 6-8 weeks (initiation is no longer published by area)",
    "teenage_conceptions": "under-18 conceptions per 1,000 women aged 15-17",
    "child_poverty": "children in relative low income families, before housing costs",
    "smoking": "smoking at time of delivery",
    "overcrowding": "overcrowded households (Census 2021)",
}


@dataclass(frozen=True)
class National:
    """parameters/levers/national.yaml, validated."""

    source: str
    gap_pct: float
    gap_period: str
    share_pct: float
    share_period: str
    combined_points: float
    combined_decimals: int
    levers: list[planning.NationalLever]


def national() -> National:
    """Read the national levers (one clear error naming the file if it is unusable)."""
    where = f"parameters/{NATIONAL_FILE}"
    try:
        content = yaml.safe_load((paths.parameters_dir() / NATIONAL_FILE).read_text())
        base = content["baseline"]
        return National(content["source"], float(base["gap_pct"]), str(base["gap_period"]),
                        float(base["share_of_deaths_pct"]), str(base["share_period"]),
                        float(content["combined_published_points"]), int(content["combined_printed_decimals"]),
                        [planning.NationalLever.model_validate(lever) for lever in content["levers"]])
    except FileNotFoundError:
        raise WorkbookError(f"{where} is missing: restore it from the repository") from None
    except (yaml.YAMLError, KeyError, TypeError, ValueError, ValidationError):
        raise WorkbookError(f"{where} is not a valid levers file: restore it from the repository") from None


# ------------------------------------------------------------------------------------------------ national check


def check_table(nat: National | None = None) -> pd.DataFrame:
    """The report's seven contributions and 15.6 against the model (see :func:`planning.lever_check`)."""
    nat = nat or national()
    rows = [planning.lever_check(lever, nat.gap_pct, nat.share_pct) for lever in nat.levers]
    published_sum = sum(lever.published_points for lever in nat.levers)
    together = planning.levers.combined_narrowing([r["rate_factor_read_back"] for r in rows], nat.gap_pct,
                                                  nat.share_pct)
    rows.append({"lever": "All seven together", "change": "every change above",
                 "published_points": nat.combined_points, "printed_decimals": nat.combined_decimals,
                 "modelled_points": published_sum,
                 "status": ("reproduced" if round(published_sum, nat.combined_decimals) == nat.combined_points
                            else "not reproduced"),
                 "combined_without_overlap_points": together,
                 "not_given": ""})
    return pd.DataFrame(rows)


def _how(row) -> str:
    if row.lever == "All seven together":
        return (f"The report's total is the plain sum of the seven ({row.modelled_points:.1f}); levers overlap, and "
                f"combined without double counting (the R&M rate times every factor k) they narrow the gap by "
                f"{row.combined_without_overlap_points:.1f}.")
    if row.status == "reproduced":
        return (f"Relative risk {row.relative_risk:g} ({row.relative_risk_source}); prevalence {row.current_pct:g}% "
                f"-> {row.target_pct:g}%: the model gives {row.modelled_points:.2f}.")
    if row.status == "relative risk implied":
        return (f"Prevalence {row.current_pct:g}% -> {row.target_pct:g}% is published; not given: {row.not_given}. "
                f"Nearest reproduction: a relative risk of {row.implied_relative_risk:.2f} gives "
                f"{row.modelled_points:.2f} (implied, not published).")
    if row.status == "prevalence implied":
        return (f"Relative risk {row.relative_risk:g} ({row.relative_risk_source}); not given: {row.not_given}. "
                f"Nearest reproduction: {row.implied_current_pct:.1f}% of R&M births halved gives "
                f"{row.modelled_points:.2f} (implied, not published).")
    return (f"Cannot be reproduced: the sources searched do not give {row.not_given}. The effect is read back from "
            "the published figure.")


def check_view(table: pd.DataFrame) -> pd.DataFrame:
    """Reader's view of :func:`check_table`."""
    def points(v, d):
        return f"{v:.{int(d)}f}" if pd.notna(v) else "[x]"

    fraction = table.get("all_births_fraction_prevented", pd.Series(np.nan, index=table.index))
    return pd.DataFrame({
        "Lever (change in the routine-and-manual group)": table.lever,
        "Published narrowing (points)": [points(v, d) for v, d in zip(table.published_points,
                                                                       table.printed_decimals)],
        "Model (points)": table.modelled_points.map(lambda v: f"{v:.2f}" if pd.notna(v) else "[x]"),
        "Check": table.status,
        "Fall in England's all-births rate it implies": fraction.map(
            lambda v: f"{v * 100:.2f}%" if pd.notna(v) else ""),
        "How": table.apply(_how, axis=1),
    })


# ------------------------------------------------------------------------------------------------ deaths a year


@dataclass(frozen=True)
class InfantDeaths:
    """An area's infant deaths a year in its latest period (estimated from the rate and births)."""

    area: Area
    rate: float
    period: str
    years: int
    geography: str
    births: float
    england_rate: float | None
    source: str
    withheld: bool  # fewer than 3.5 deaths implied: no deaths figure may be shown

    @property
    def events(self) -> float:
        return self.rate * self.births * self.years / 1000

    def interval(self) -> tuple[float, float]:
        """Deaths a year, 95% interval (Byar's / exact Poisson on the pooled events)."""
        lower, upper = stats.rate_ci(self.events, self.years, multiplier=1)
        return float(lower), float(upper)

    @property
    def per_year(self) -> float:
        return self.events / self.years

    @property
    def expected_at_england(self) -> float | None:
        return None if self.england_rate is None else self.england_rate * self.births / 1000


def no_deaths_reason(area: Area) -> str:
    """Why :func:`infant_deaths` has nothing for ``area``, in words (which of rate and births is missing)."""
    if scale_of_need.births_estimate(area) is None:
        return f"No births figure for {area.name} is held in this build"
    if area.is_combined:
        return (f"No infant mortality rate for {area.name} as a whole is held: it is published for each authority "
                "as a rate only, and rates are never averaged")
    return f"No infant mortality rate for {area.name} is held in this build"


def infant_deaths(area: Area) -> InfantDeaths | None:
    """The latest infant mortality rate for the area with its deaths a year; None if no rate or births held."""
    births = scale_of_need.births_estimate(area)
    if births is None:
        return None
    england_single = indicators.series(SINGLE_ID, area)
    england_single = england_single[(england_single.role == "england") & england_single.value.notna()]
    england_by_year = dict(zip(england_single.period.astype(str), england_single.value))
    if area.is_county or area.is_unitary or area.upper_tier_code == area.code:
        frame = indicators.series(SINGLE_ID, area)
        own = frame[(frame.role == "area") & frame.value.notna()].sort_values("period").tail(POOLED_YEARS)
        if own.empty:
            return None
        years = list(own.period.astype(str))
        england = [england_by_year.get(y) for y in years]
        rate = float(own.value.mean())  # births change little over three years: the pooled rate is about the mean
        period = periods.pooled_years_label(years)  # '2019, 2020 and 2022' when a year is missing, never '2019-22'
        source = (f"ONS single-year infant mortality via DfE LAIT, {', '.join(years)} pooled (mean of the "
                  "single-year rates)")
        return InfantDeaths(area, rate, period, len(years), area.name, births,
                            float(np.mean(england)) if None not in england else None, source,
                            rate * births * len(years) / 1000 < disclosure.IMPLIED_EVENTS_THRESHOLD)
    frame = indicators.series(HI_ID, area)
    own = frame[(frame.role == "area") & frame.value.notna()
                & ~frame.value_note.fillna("").str.contains("carried forward")].sort_values("period")
    if own.empty:
        return None
    row = own.iloc[-1]
    start = int(str(row.period)[:4])
    england = [england_by_year.get(str(y)) for y in range(start, start + POOLED_YEARS)]
    rate = float(row.value)
    return InfantDeaths(area, rate, str(row.period), POOLED_YEARS, area.name, births,
                        float(np.mean(england)) if None not in england else None,
                        "ONS Health Index (OHID Fingertips 92196), three years pooled",
                        rate * births * POOLED_YEARS / 1000 < disclosure.IMPLIED_EVENTS_THRESHOLD)


def gap_table(deaths: InfantDeaths) -> pd.DataFrame:
    """The area's excess (or fewer) infant deaths a year against England's rate, with the interval."""
    row = {"area_code": deaths.area.code, "area_name": deaths.area.name, "period": deaths.period,
           "infant_mortality_per_1000": deaths.rate, "england_per_1000": deaths.england_rate,
           "births_a_year": deaths.births, "births_source": BIRTHS_SOURCE, "rate_source": deaths.source,
           "deaths_a_year": np.nan, "deaths_lower_ci95": np.nan, "deaths_upper_ci95": np.nan,
           "deaths_at_england_rate": np.nan, "excess_deaths_a_year": np.nan, "excess_lower_ci95": np.nan,
           "excess_upper_ci95": np.nan, "note": ""}
    if deaths.withheld:
        # The rate goes too: with the births beside it, it would give the deaths back (the page shows [c]).
        row.update(note="[c] fewer than 3.5 deaths implied: withheld (disclosure control)",
                   infant_mortality_per_1000=np.nan)
        return pd.DataFrame([row])
    lower, upper = deaths.interval()
    row.update(deaths_a_year=deaths.per_year, deaths_lower_ci95=lower, deaths_upper_ci95=upper)
    if deaths.expected_at_england is not None:
        expected = deaths.expected_at_england
        row.update(deaths_at_england_rate=expected, excess_deaths_a_year=deaths.per_year - expected,
                   excess_lower_ci95=lower - expected, excess_upper_ci95=upper - expected)
    else:
        row["note"] = "England's rate for the same years is not held"
    return pd.DataFrame([row])


def gap_sentence(gap: pd.DataFrame) -> str:
    """The gap to England in words (deaths a year, with the interval and whether it rules out no difference)."""
    r = gap.iloc[0]
    if pd.isna(r.deaths_a_year):
        return f"Infant deaths a year for {r.area_name} ({r.period}) are not shown: {r.note or 'not held'}."
    base = (f"{r.area_name} had about {r.deaths_a_year:.1f} infant deaths a year in {r.period}"
            f"{narrative.old_flag(r.period)} (95% interval {r.deaths_lower_ci95:.1f} to {r.deaths_upper_ci95:.1f}; "
            f"{r.infant_mortality_per_1000:.2f} per 1,000 live births)")
    if pd.isna(r.excess_deaths_a_year):
        return base + "; England's rate for the same years is not held, so no gap is given."
    word = "more" if r.excess_deaths_a_year > 0 else "fewer"
    return (base + f". At England's rate ({r.england_per_1000:.2f}) it would have had {r.deaths_at_england_rate:.1f}: "
            f"about {abs(r.excess_deaths_a_year):.1f} {word} a year (95% interval {signed_bound(r.excess_lower_ci95)} "
            f"to {signed_bound(r.excess_upper_ci95)}, England's rate taken as fixed), {_chance(r)}.")


def signed_bound(value: float) -> str:
    """A bound of the gap's interval with its sign, to one decimal, or to as many as show it is not zero: the sign
    is what tells the reader whether chance could explain the gap, so "+0.0" is never printed for 0.03."""
    for digits in (1, 2, 3):
        text = f"{value:+.{digits}f}"
        if float(text) != 0 or value == 0:
            break
    return text


def _chance(gap) -> str:
    """Whether the gap's 95% interval rules out no difference, in words."""
    certain = (gap.excess_lower_ci95 > 0) or (gap.excess_upper_ci95 < 0)
    return "a difference chance alone is unlikely to explain" if certain else "within what chance alone could produce"


# ------------------------------------------------------------------------------------------------ the seven levers


def _input(key: str, area: Area, card: pd.DataFrame) -> dict:
    """The area's figure for one lever: value, period, level (whose), England, and the reference it is scaled by."""
    indicator_id, category, complement = LOCAL_INDICATORS[key]
    empty = {"indicator_id": indicator_id or "", "value": np.nan, "period": None, "level": "", "england": np.nan,
             "reference": "England", "complement": complement, "local_data": ""}
    if indicator_id is None:
        return empty | {"level": "no local measure of unsafe sleep is published: England's prevalence assumed",
                        "reference": "England (assumed)"}
    local = query.local_values(indicator_id, [area.code])
    rows = card[card.indicator_id == indicator_id]
    if len(local):  # the authority's own figure leads, labelled as local data, against England's same period
        row = local.iloc[0]
        national = indicators.series(indicator_id, area, category=category)
        england = national[(national.role == "england") & (national.period == row.period)].value
        return empty | {"value": float(row.value), "period": str(row.period), "level": f"{area.name} ({row.label})",
                        "england": float(england.iloc[0]) if len(england) else np.nan, "local_data": row.label,
                        "reference": "England, national data; the area's figure is local data"}
    if rows.empty or pd.isna(rows.value.iloc[0]):
        return empty | {"level": "not held"}
    r = rows.iloc[0]
    level = (f"{area.name} (national data)" if r.value_geography == area.name
             else f"{r.value_geography} (the county's figure, national data)")
    if pd.notna(r.england):
        return empty | {"value": float(r.value), "period": str(r.period), "level": level, "england": float(r.england)}
    return empty | {"value": float(r.value), "period": str(r.period), "level": level,
                    "england": float(r.districts_median), "reference": "median of English districts; the source has no "
                    "England value"}


def lever_table(area: Area, card: pd.DataFrame, deaths: InfantDeaths | None = None,
                nat: National | None = None) -> pd.DataFrame:
    """One row per lever for the area, then 'All seven together' (``1 - prod(1 - f_i)``)."""
    nat = nat or national()
    lower = upper = per_year = None
    if deaths is not None and not deaths.withheld:
        per_year, (lower, upper) = deaths.per_year, deaths.interval()
    rows = []
    for lever in nat.levers:
        found = _input(lever.key, area, card)
        share = planning.national_fraction_prevented(lever.published_points, nat.gap_pct, nat.share_pct)
        if lever.key == "sudi":
            lever_in = planning.LeverInput(1.0, 1.0)
        else:
            lever_in = planning.LeverInput(found["value"], found["england"], found["complement"])
        result = planning.local_lever(share, lever_in, per_year, lower, upper)
        rows.append({"area_code": area.code, "area_name": area.name, "lever": lever.area_label or lever.label,
                     "key": lever.key,
                     "local_measure": PROXY.get(lever.key, "none published"), "value": found["value"],
                     "period": found["period"], "level": found["level"], "reference_value": found["england"],
                     "reference": found["reference"], "exposure_ratio": result.exposure_ratio,
                     "national_fraction_prevented": share, "fraction_prevented": result.fraction,
                     "deaths_prevented_a_year": result.deaths, "deaths_prevented_lower_ci95": result.deaths_lower,
                     "deaths_prevented_upper_ci95": result.deaths_upper, "local_data": found["local_data"]})
    table = pd.DataFrame(rows)
    together = planning.combined_fraction(table.fraction_prevented.dropna())

    def times(v):
        return np.nan if v is None else together * v

    combined = {"area_code": area.code, "area_name": area.name, "lever": "All seven together",
                             "key": "combined", "local_measure": "1 - (1 - f1)(1 - f2)...(1 - f7), not a sum",
                             "fraction_prevented": together, "deaths_prevented_a_year": times(per_year),
                             "deaths_prevented_lower_ci95": times(lower), "deaths_prevented_upper_ci95": times(upper),
                             "levers_included": int(table.fraction_prevented.notna().sum())}
    return pd.concat([table, pd.DataFrame([combined])], ignore_index=True)


def lever_view(table: pd.DataFrame) -> pd.DataFrame:
    """Reader's view of :func:`lever_table`."""
    def value(r):
        if r.key == "combined":
            return ""
        if pd.isna(r.value):
            return "[x]" if r.key != "sudi" else "England assumed"
        return f"{r.value:.1f} ({r.period}{narrative.old_mark(r.period)}; {r.level})"

    def deaths(r):
        if pd.isna(r.deaths_prevented_a_year):
            return "[x]" if pd.notna(r.fraction_prevented) else "[x] (no local figure)"
        return (f"{r.deaths_prevented_a_year:.2f} ({r.deaths_prevented_lower_ci95:.2f} to "
                f"{r.deaths_prevented_upper_ci95:.2f})")

    return pd.DataFrame({
        "Lever (the change the report modelled)": table.lever,
        "Area's figure (period; whose)": table.apply(value, axis=1),
        "Against": [("" if k == "combined" else f"{v:.1f} ({ref})" if pd.notna(v) else ref)
                    for k, v, ref in zip(table.key, table.reference_value, table.reference.fillna(""))],
        "Share of infant deaths prevented": table.fraction_prevented.map(
            lambda v: f"{v * 100:.2f}%" if pd.notna(v) else "[x]"),
        "Infant deaths a year prevented (95% interval)": table.apply(deaths, axis=1),
    })


def lever_sentences(area: Area, table: pd.DataFrame, deaths: InfantDeaths | None, nat: National) -> list[str]:
    """How the table was made, in words, and its headline."""
    together = table[table.key == "combined"].iloc[0]
    out = [(f"Each lever's effect is the report's national effect on all births (the fall in England's infant "
           f"mortality its published narrowing implies, with the {nat.gap_pct:g}% gap of {nat.gap_period} and "
           f"{nat.share_pct:g}% of deaths in the routine-and-manual group) scaled by how common the risk factor is in "
           f"{area.name} against England; deaths a year prevented are that share of {area.name}'s infant deaths a "
           "year, with a 95% interval that carries the uncertainty of the area's infant deaths (not of the model's inputs). Levers overlap, so together they are combined as "
           "1 - (1 - f1)(1 - f2)...(1 - f7), not added. A planning model, not a forecast: it assumes each risk is "
           "causal and fully reversible and that nothing else changes.")]
    if deaths is None:
        out.append(f"{no_deaths_reason(area)}, so deaths a year cannot be given; the shares still apply.")
    elif deaths.withheld:
        out.append("Deaths a year are not shown: the rate implies fewer than 3.5 deaths (disclosure control).")
    elif pd.notna(together.deaths_prevented_a_year):
        included = int(together.levers_included)
        which = ("the seven changes" if included == 7 else
                 f"the {included} changes with a figure for {area.name} (of seven; the others are marked [x])")
        out.append(f"Together {which} would prevent about {together.deaths_prevented_a_year:.1f} infant "
                   f"deaths a year in {area.name} (95% interval {together.deaths_prevented_lower_ci95:.1f} to "
                   f"{together.deaths_prevented_upper_ci95:.1f}), {together.fraction_prevented * 100:.1f}% of its "
                   f"infant deaths ({deaths.period}).")
    return out


def sudi_lever_sentences(area: Area, rows: pd.DataFrame, deaths: InfantDeaths | None) -> list[str]:
    """How the SUDI page's lever rows relate to the overview's model, and what they add up to (without overlap)."""
    out = [f"Each row is one of the national report's seven changes applied to {area.name}'s own figures, from the "
           "overview's model. A planning model, not a forecast: it assumes each risk is causal and fully reversible "
           "and that nothing else changes."]
    if deaths is None:
        out.append(f"{no_deaths_reason(area)}, so deaths a year cannot be given; the shares still apply.")
    elif deaths.withheld:
        out.append("Deaths a year are not shown: the rate implies fewer than 3.5 deaths (disclosure control).")
    else:
        shares = rows.fraction_prevented.dropna()
        together = planning.combined_fraction(shares) if len(shares) else None
        if together is not None:
            lower, upper = deaths.interval()
            out.append(f"Together these {len(shares)} would prevent about {together * deaths.per_year:.1f} infant "
                       f"deaths a year in {area.name} (95% interval {together * lower:.1f} to {together * upper:.1f}; "
                       f"{together * 100:.1f}% of its infant deaths, {deaths.period}"
                       f"{narrative.old_flag(deaths.period)}; combined as 1 - (1 - f1)(1 - f2)..., not added).")
    return out


def breastfeeding_lead(area: Area) -> str | None:
    """The authority's own breastfeeding figure against its county's, and what closing the gap means a year."""
    if area.upper_tier_code in (None, area.code):
        return None
    local = query.local_values("breastfeeding_6_8_weeks", [area.code, area.upper_tier_code])
    here = local[local.area_code == area.code]
    county = local[local.area_code == area.upper_tier_code]
    births = scale_of_need.births_estimate(area)
    if here.empty or county.empty or births is None:
        return None
    a, c = here.iloc[0], county.iloc[0]
    if a.value >= c.value:
        return None
    babies = (c.value - a.value) / 100 * births
    return (f"Breastfeeding at 6-8 weeks in {area.name} was {a.value:.1f}% in {a.period} against "
            f"{c.value:.1f}% across {registry().get(area.upper_tier_code).name} ({a.label}). Closing that gap would mean about "
            f"{planning.round_sensibly(babies):,.0f} more babies a year breastfed at 6-8 weeks (the gap of "
            f"{c.value - a.value:.1f} points x {narrative.number(planning.round_sensibly(births))} babies a year, "
            f"{BIRTHS_SOURCE}).")


def gap_view(gap: pd.DataFrame) -> pd.DataFrame:
    """Reader's view of :func:`gap_table`."""
    r = gap.iloc[0]

    def num(v, d=1, sign=False):
        return "[c]" if r.note.startswith("[c]") else "[x]" if pd.isna(v) else f"{v:{'+' if sign else ''}.{d}f}"

    def bound(v):
        return num(v) if r.note.startswith("[c]") or pd.isna(v) else signed_bound(v)

    return pd.DataFrame({
        "Period": [narrative.period_label(r.period)],
        "Infant mortality (per 1,000 live births)": [f"{r.infant_mortality_per_1000:.2f}"
                                                     if not r.note.startswith("[c]") else "[c]"],
        "England (per 1,000)": [num(r.england_per_1000, 2)],
        "Infant deaths a year (95% interval)": [(f"{num(r.deaths_a_year)} ({num(r.deaths_lower_ci95)} to "
                                                 f"{num(r.deaths_upper_ci95)})")],
        "At England's rate": [num(r.deaths_at_england_rate)],
        "More (+) or fewer (-) a year than at England's rate (95% interval)": [
            (f"{num(r.excess_deaths_a_year, sign=True)} ({bound(r.excess_lower_ci95)} to "
             f"{bound(r.excess_upper_ci95)})")],
        "Births a year": [narrative.number(r.births_a_year)],
    })


def latest_rate(area: Area) -> tuple[float | None, str | None, str]:
    """The area's latest infant mortality rate, its period and source (see :func:`infant_deaths`)."""
    deaths = infant_deaths(area)
    if deaths is None or deaths.withheld:
        return None, None, ""
    return deaths.rate, deaths.period, deaths.source


def key_messages(area: Area) -> list[str]:
    """The overview's 'what would it take' messages: the authority's own leading figure, then the gap in deaths."""
    out = []
    lead = breastfeeding_lead(area)
    if lead:
        out.append(lead)
    deaths = infant_deaths(area)
    if deaths is not None:
        gap = gap_table(deaths).iloc[0]
        if pd.notna(gap.excess_deaths_a_year):
            word = "more" if gap.excess_deaths_a_year > 0 else "fewer"
            out.append(f"Against England's rate, {area.name} had about "
                       f"{abs(gap.excess_deaths_a_year):.1f} {word} infant deaths a year in {gap.period} "
                       f"(95% interval {signed_bound(gap.excess_lower_ci95)} to {signed_bound(gap.excess_upper_ci95)}"
                       f"{narrative.old_clause(gap.period)}): {_chance(gap)}. See 'What would it take' for the "
                       "seven levers.")
    return out
