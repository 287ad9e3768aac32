"""The scale of need: births and young children for an area, and the scale-of-need calculators.

Kent County Council's stratified annual model with its published inputs (``parameters/scale-of-need/``), or the
same rates applied flat where an area has no inputs of its own; the page always says whose assumptions are used.
The arithmetic lives in :mod:`nbutils.planning`; this module picks the model for an area and words the tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import yaml
from pydantic import ValidationError

from .. import narrative, paths, planning, query
from ..areas import Area
from ..errors import WorkbookError


def young_children(area: Area) -> pd.DataFrame:
    """Residents aged under 1, 1 and 2 (mid-2020) for the area and comparators; empty where not held."""
    frame = query.with_comparators("ons_mye_young_children", area)
    return frame[frame.value.notna()][["area_code", "area_name", "role", "period", "category", "count",
                                       "denominator", "value_note", "source"]].reset_index(drop=True)


def births_estimate(area: Area) -> float | None:
    """Residents aged under 1 at mid-2020 (the approximation of annual births used here), or None."""
    frame = young_children(area)
    rows = frame[(frame.role == "area") & (frame.category == "Aged under 1")]
    return float(rows["count"].iloc[0]) if len(rows) else None


def children_0_2(area: Area) -> float | None:
    frame = young_children(area)
    rows = frame[frame.role == "area"]
    return float(rows["count"].sum()) if len(rows) == 3 else None


SCALE_OF_NEED_DIR = "scale-of-need"  # parameters/scale-of-need/<name>.yaml: an authority's published inputs
ASSUMPTIONS_FROM = "kent"  # whose rates the flat-rate calculator uses where an area has no inputs of its own


def need_message(area: Area, births: float) -> str:
    """One key message from the scale-of-need model, saying whose inputs it uses."""
    plan = scale_plan(area, births)
    about = [narrative.number(planning.round_sensibly(v)) for v in (plan.result.mothers * plan.share,
                                                                     plan.result.partners * plan.share)]
    if plan.kind == "local":
        # The authority's own model: its published totals exactly, as in its committee paper.
        about = [narrative.number(v) for v in (plan.result.mothers, plan.result.partners)]
        how = f"on {plan.whose}"
        lead = f"{area.name}'s model counts {narrative.number(plan.inputs.births)} births a year"
        low = plan.inputs.mothers_low_pct
        if low is not None:  # a published range: both ends
            low_mothers = plan.inputs.births * low / 100
            about[0] = f"{narrative.number(low_mothers)} to {about[0]}"
            how += f" ({low:g}% to {plan.inputs.perinatal.remaining_mothers_pct:g}% of births)"
        if pd.isna(plan.result.partners):
            return (f"{lead}; {how}, about {about[0]} mothers a year may need support for perinatal mental health "
                    "(see the scale-of-need calculator).")
    else:
        lead = (f"About {narrative.number(planning.round_sensibly(births))} babies a year live in {area.name} "
                f"(residents aged under 1, mid-2020{narrative.old_clause('mid-2020')})")
        how = (f"on {plan.whose}, apportioned by births" if plan.kind == "county"
               else f"at {plan.whose} of {plan.inputs.perinatal.remaining_mothers_pct:.1f}% of mothers and "
                    f"{plan.inputs.perinatal.other_partners_pct:.1f}% of partners")
    return (f"{lead}; {how}, about {about[0]} mothers and {about[1]} partners a year may need support for "
            "perinatal mental health (see the scale-of-need calculator).")


def scale_inputs(name: str) -> planning.ScaleOfNeedInputs:
    """Read parameters/scale-of-need/<name>.yaml (one clear error naming the file if it is unusable)."""
    path = paths.parameters_dir() / SCALE_OF_NEED_DIR / f"{name}.yaml"
    where = f"parameters/{SCALE_OF_NEED_DIR}/{path.name}"
    try:
        content = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise WorkbookError(f"{where} is missing: restore it from the repository") from None
    except yaml.YAMLError:
        raise WorkbookError(f"{where} is not valid YAML: fix the file") from None
    try:
        return planning.ScaleOfNeedInputs.model_validate(content)
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "file"
        raise WorkbookError(f"{where}: '{field}' {first['msg'].lower()} (see parameters/{SCALE_OF_NEED_DIR}/"
                            f"{ASSUMPTIONS_FROM}.yaml)") from None


def _all_scale_inputs() -> list[planning.ScaleOfNeedInputs]:
    folder = paths.parameters_dir() / SCALE_OF_NEED_DIR
    return [scale_inputs(p.stem) for p in sorted(folder.glob("*.yaml"))]


@dataclass(frozen=True)
class ScalePlan:
    """Which scale-of-need model an area gets, with whose inputs (see :func:`scale_plan`).

    kind: 'local' (the area's own published inputs), 'county' (its county's model, apportioned by the area's
    share of the county's births) or 'flat' (the overall rates of the default model on the area's births: named
    as the neighbouring authority's where the source lists the area as a neighbour, otherwise as the workbook's
    default rates, never as another authority's assumptions).
    """

    area: Area
    kind: str
    inputs: planning.ScaleOfNeedInputs  # the model as run (the area's, the county's, or flat rates)
    source: planning.ScaleOfNeedInputs  # whose published inputs or assumptions these are
    result: planning.ScaleOfNeed
    births: float | None = None  # the area's births (county and flat)
    births_note: str = ""
    county_births: float | None = None  # the county's, same source as ``births``, for the share
    changed: tuple[str, ...] = ()  # prevalence parameters set away from the published values

    @property
    def share(self) -> float:
        return self.births / self.county_births if self.kind == "county" else 1.0

    @property
    def whose(self) -> str:
        """Whose assumptions, in words, for every line that uses them (item 14: never borrowed silently)."""
        owner = self.source.publisher or "the parameters file"
        if self.kind == "local":
            return f"{owner}'s own published inputs"
        if self.kind == "county":
            return f"{owner}'s model and inputs for the whole of {self.source.area_name}"
        if self.names_source:
            return f"{owner}'s model's overall rates (a neighbouring authority's, not {self.area.name}'s own)"
        return f"the workbook's default rates (not {self.area.name}'s own)"

    @property
    def names_source(self) -> bool:
        """Whether the page may name whose inputs these are: its own, its county's, or a listed neighbour's."""
        return self.kind != "flat" or self.area.code in self.source.neighbouring_areas


def _with_rates(inputs: planning.ScaleOfNeedInputs, mothers_pct, partners_pct, parent_infant_pct):
    """The inputs with any prevalence parameter the user set, and the names of those changed."""
    per, pi, changed = inputs.perinatal, inputs.parent_infant, []
    for value, holder, field, label in ((mothers_pct, "per", "remaining_mothers_pct", "mothers"),
                                        (partners_pct, "per", "other_partners_pct", "partners"),
                                        (parent_infant_pct, "pi", "remaining_pct", "babies")):
        if value is None:
            continue
        current = per if holder == "per" else pi
        if float(value) != getattr(current, field):
            changed.append(label)
        updated = current.model_copy(update={field: float(value)})
        per, pi = (updated, pi) if holder == "per" else (per, updated)
    new = planning.ScaleOfNeedInputs.model_validate(
        inputs.model_dump() | {"perinatal": per.model_dump(), "parent_infant": pi.model_dump()})
    return new, tuple(changed)


def _county_births(area: Area) -> float | None:
    frame = young_children(area)
    rows = frame[(frame.role == "county") & (frame.category == "Aged under 1")]
    return float(rows["count"].iloc[0]) if len(rows) else None


def scale_plan(area: Area, births: float | None = None, mothers_pct: float | None = None,
               partners_pct: float | None = None, parent_infant_pct: float | None = None) -> ScalePlan | None:
    """The scale-of-need model for an area: its own inputs, its county's apportioned by births, or flat rates.

    ``births`` overrides the area's births (residents aged under 1, mid-2020); the three percentages override
    the published prevalence for the remaining mothers, other partners and remaining babies. None when the area's
    births are neither held nor given.
    """
    files = _all_scale_inputs()
    own = next((f for f in files if f.area_code == area.code), None)
    if own is not None:
        inputs, changed = _with_rates(own, mothers_pct, partners_pct, parent_infant_pct)
        return ScalePlan(area, "local", inputs, own, planning.scale_of_need(inputs), changed=changed)
    used = births if births is not None else births_estimate(area)
    if used is None:
        return None
    note = ("as set in the parameters" if births is not None else
            f"the residents of {area.name} aged under 1 at 30 June 2020 from the ONS mid-year estimates, an "
            "approximation of annual births")
    county = next((f for f in files if area.upper_tier_code and f.area_code == area.upper_tier_code), None)
    county_births = _county_births(area) if county is not None else None
    if county is not None and county_births and used <= county_births:
        inputs, changed = _with_rates(county, mothers_pct, partners_pct, parent_infant_pct)
        return ScalePlan(area, "county", inputs, county, planning.scale_of_need(inputs), used, note, county_births,
                         changed)
    source = scale_inputs(ASSUMPTIONS_FROM)
    rates = planning.overall_rates(source)  # every group of the model, not only its remaining mothers and babies
    # To one decimal place, as stated on the page (21.4%, 18.7%, 17.7% for Kent's published model).
    flat = planning.flat_rate_inputs(used, round(rates.mothers_pct, 1), round(rates.partners_pct, 1),
                                     round(rates.parent_infant_pct, 1), source.years)
    inputs, changed = _with_rates(flat, mothers_pct, partners_pct, parent_infant_pct)
    return ScalePlan(area, "flat", inputs, source, planning.scale_of_need(inputs), used, note, changed=changed)


def scale_table(plan: ScalePlan) -> pd.DataFrame:
    """Tidy scale-of-need table for the CSV: the area's figures, with the model and whose inputs they are."""
    if plan.kind == "county":
        frame = planning.apportion(plan.result, plan.share)
        frame.insert(0, "group", "")
        model = f"{plan.source.area_name} model apportioned by births"
    else:
        frame = plan.result.table.copy()
        model = "stratified model" if plan.kind == "local" else "flat rates"
    frame.insert(0, "area_code", plan.area.code)
    frame.insert(1, "area_name", plan.area.name)
    frame.insert(2, "model", model)
    frame["inputs_from"] = f"{plan.whose}; {plan.source.citation}" if plan.names_source else plan.whose
    return frame


def county_table(plan: ScalePlan) -> pd.DataFrame:
    """The county's model as published (for a district whose county has one), labelled as the county's."""
    frame = plan.result.table.copy()
    frame.insert(0, "area_code", plan.source.area_code)
    frame.insert(1, "area_name", plan.source.area_name)
    frame["inputs_from"] = plan.source.citation
    return frame


def scale_view(frame: pd.DataFrame) -> pd.DataFrame:
    """Reader's view of :func:`scale_table` or :func:`county_table`."""
    number = frame["number"] if "number" in frame else pd.Series([None] * len(frame), index=frame.index)
    pct = frame["prevalence_pct"] if "prevalence_pct" in frame else pd.Series([None] * len(frame), index=frame.index)
    return pd.DataFrame({
        "Need": frame["item"],
        "Number": number.map(lambda v: narrative.number(v) if pd.notna(v) else ""),
        "Assumed prevalence": pct.map(lambda v: f"{v:g}%" if pd.notna(v) else ""),
        "In need": frame["in_need_rounded"].map(narrative.number),
        "Arithmetic": frame["arithmetic"],
    })


def scale_caption(plan: ScalePlan) -> str:
    if plan.kind == "local":
        return f"Scale of need, {plan.area.name}: {plan.whose}"
    if plan.kind == "county":
        return (f"Scale of need, {plan.area.name}: {plan.source.area_name}'s totals apportioned by "
                f"{plan.area.name}'s share of births ({plan.share * 100:.1f}%)")
    return f"Scale of need, {plan.area.name}: flat rates, {plan.whose}"


def county_caption(plan: ScalePlan) -> str:
    return (f"{plan.source.publisher}'s model for the whole of {plan.source.area_name} "
            f"({plan.source.area_name}'s figures, not {plan.area.name}'s)")


def scale_sentences(plan: ScalePlan) -> list[str]:
    """What the calculator used, whose inputs they are, and (flat rates) what would make it match the model."""
    src = plan.source
    out = []
    if plan.kind == "local":
        out.append(f"Inputs: {plan.whose} ({src.citation}), births {narrative.number(src.births)} "
                   f"({src.births_period}). {src.note}")
    elif plan.kind == "county":
        out.append(
            f"{src.publisher}'s model covers the whole of {src.area_name} ({narrative.number(src.births)} births in "
            f"{src.births_period}; {src.citation}): its inputs are county figures, not {plan.area.name}'s.")
        out.append(
            f"{plan.area.name}'s figures are {src.area_name}'s totals apportioned by births: "
            f"{narrative.number(plan.births)} babies a year in {plan.area.name} ({plan.births_note}) against "
            f"{narrative.number(plan.county_births)} in {src.area_name} on the same basis, a share of "
            f"{plan.share * 100:.1f}%. This assumes {plan.area.name} has {src.area_name}'s average mix of "
            f"referrals, poverty and care; with {plan.area.name}'s own inputs the model would be run for it "
            "directly.")
    else:
        rates = plan.inputs
        out.append(f"Births: {narrative.number(plan.births)} a year, {plan.births_note}.")
        what = (f"{rates.perinatal.remaining_mothers_pct:.1f}% of mothers, {rates.perinatal.other_partners_pct:.1f}% "
                f"of partners and {rates.parent_infant.remaining_pct:.1f}% of babies a year")
        if plan.names_source:
            out.append(f"Prevalence: {plan.whose}, from {src.citation}: {what} (each of the model's totals as a "
                       f"share of its births); {plan.area.name} has no local inputs in this workbook, so the "
                       "calculator applies them as flat rates to one year's births.")
        else:
            out.append(f"Prevalence: {plan.whose}: {what}, the overall rates of a published stratified model of "
                       f"perinatal need (the workbook's parameters/{SCALE_OF_NEED_DIR} folder says whose). They are "
                       f"defaults, not {plan.area.name}'s own assumptions.")
        missing = plan.inputs.missing_local_inputs()
        out.append(f"To run the stratified model for {plan.area.name} itself, the workbook would need "
                   f"{plan.area.name}'s own figures for: {narrative.list_phrase(missing)} (a file in the "
                   f"workbook's parameters/{SCALE_OF_NEED_DIR} folder).")
    if plan.changed:
        whose = f"{src.publisher}'s published value" if plan.names_source else "the default"
        out.append(f"The prevalence for {narrative.list_phrase(list(plan.changed))} was changed in the parameters "
                   f"from {whose}.")
    return out


def sensitivity_table(plan: ScalePlan) -> pd.DataFrame:
    """The area's model rerun at 10%, 15%, 20% and 25% of (remaining) mothers."""
    frame = planning.sensitivity(plan.inputs, scale=plan.share)
    frame.insert(0, "area_code", plan.area.code)
    frame.insert(1, "area_name", plan.area.name)
    return frame


def sensitivity_view(frame: pd.DataFrame) -> pd.DataFrame:
    years = [c for c in frame.columns if c.startswith("parents_over_") and c.endswith("_rounded")][0]
    return pd.DataFrame({
        "Mothers' prevalence": frame.mothers_prevalence_pct.map(lambda v: f"{v:g}%"),
        "Mothers a year": frame.mothers_a_year_rounded.map(narrative.number),
        "Mothers and partners a year": frame.parents_a_year_rounded.map(narrative.number),
        "Mothers and partners over five years": frame[years].map(narrative.number),
    })


def sensitivity_caption(plan: ScalePlan) -> str:
    what = "remaining mothers" if plan.inputs.perinatal.referred is not None else "mothers"
    partners = plan.inputs.perinatal.other_partners_pct
    held = (f"partners at {partners:.3g}%" if partners is not None else "partners not in the published inputs")
    return (f"If the prevalence among {what} were 10%, 15%, 20% or 25%, {plan.area.name} ({held}; every other "
            "input as above)")
