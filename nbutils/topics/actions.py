"""What commissioners can do: at most five actions a page, each fired by the area's own figures, with evidence.

The actions, their triggers and their citations are in one reviewed file, ``nbutils/evidence.yaml``; nothing here
words an action or a citation. An action no figure fires is not shown; a shown action names the figure that fired
it (value, period with its old-figure mark, whose figure, and the benchmark). Figures come from the overview's
scorecard (:func:`nbutils.topics.overview.scorecard`), so every page judges them the same way.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .. import catalog, fragments, narrative, query, stats
from ..areas import Area, registry
from ..errors import WorkbookError

EVIDENCE_FILE = Path(__file__).resolve().parents[1] / "evidence.yaml"
MAX_ACTIONS = 5
KINDS = ("worse_than_benchmark", "higher_than_benchmark", "local_below_county")
TOPICS = ("overview", "ethnicity", "housing", "nutrition", "sudi", "smoking")


class Trigger(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: str
    indicator: str

    @model_validator(mode="after")
    def _known_kind(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown trigger kind {self.kind!r}: use one of {', '.join(KINDS)}")
        return self


class Citation(BaseModel):
    model_config = ConfigDict(extra="forbid")
    document: str
    part: str = ""


class Action(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: str
    topics: list[str] = Field(min_length=1)
    action: str
    triggers: list[Trigger] = Field(min_length=1)
    evidence: list[Citation] = Field(min_length=1)


class Evidence(BaseModel):
    """The evidence file: documents (key -> citation) and actions; every citation must name a listed document."""

    model_config = ConfigDict(extra="forbid")
    documents: dict[str, dict[str, str]]
    actions: list[Action]

    @model_validator(mode="after")
    def _citations_resolve(self):
        for action in self.actions:
            for cite in action.evidence:
                if cite.document not in self.documents:
                    raise ValueError(f"action {action.id!r} cites {cite.document!r}, which is not listed")
            unknown = set(action.topics) - set(TOPICS)
            if unknown:
                raise ValueError(f"action {action.id!r} names unknown topics {sorted(unknown)}")
        return self


@lru_cache(maxsize=1)
def evidence() -> Evidence:
    """Read nbutils/evidence.yaml (one clear error if it is unusable)."""
    try:
        return Evidence.model_validate(yaml.safe_load(EVIDENCE_FILE.read_text()))
    except FileNotFoundError:
        raise WorkbookError("nbutils/evidence.yaml is missing: restore it from the repository") from None
    except yaml.YAMLError:
        raise WorkbookError("nbutils/evidence.yaml is not valid YAML: restore it from the repository") from None
    except ValidationError as error:
        first = error.errors()[0]["msg"]
        raise WorkbookError(f"nbutils/evidence.yaml is not valid ({first}): restore it from the repository") \
            from None


def _fmt(value: float, unit: str) -> str:
    return f"{value:.1f}%" if unit.startswith("%") else f"{value:.1f}"


def _fired(trigger: Trigger, area: Area, card: pd.DataFrame) -> str | None:
    """The sentence naming the figure that fires ``trigger``, or None."""
    if trigger.kind == "local_below_county":
        upper = area.upper_tier_code
        if upper in (None, area.code):
            return None
        local = query.local_values(trigger.indicator, [area.code, upper])
        here, county = local[local.area_code == area.code], local[local.area_code == upper]
        if here.empty or county.empty or not here.value.iloc[0] < county.value.iloc[0]:
            return None
        a, c = here.iloc[0], county.iloc[0]
        return (f"{narrative.capital_first(_indicator_name(card, trigger.indicator))} in {area.name} was "
                f"{a.value:.1f}% in {a.period}{narrative.old_flag(a.period)}, against {c.value:.1f}% across "
                f"{registry().get(upper).name} ({a.label})")
    judged = _judge(trigger, card, area.name)
    if judged is None or judged[0] != "fires":
        return None
    return judged[1]


def _judge(trigger: Trigger, card: pd.DataFrame, area_name: str | None = None) -> tuple[str, str] | None:
    """How the scorecard's figure for ``trigger`` stands: ("fires", sentence), ("not_tested", sentence) for a
    figure on the wrong side of its benchmark whose difference cannot be tested, or None (no figure, or not on
    the wrong side, or tested and not significantly worse).

    Only a significant difference fires an action: the figure's 95% interval excludes England (ours, or
    Fingertips' published comparison). A whole-population count (Census, the ranking of every LSOA) has no
    sampling error, so its difference is real and fires as it stands. Any other figure without an interval
    (rates published without counts, or a benchmark that is the median of districts) is not tested: it never
    fires and the page names it as not tested.
    """
    rows = card[card.indicator_id == trigger.indicator]
    if rows.empty or pd.isna(rows.value.iloc[0]):
        return None
    r = rows.iloc[0]
    bench = r.england if pd.notna(r.england) else r.districts_median
    if pd.isna(bench):
        return None
    against = (f"England's {_fmt(bench, r.unit)}" if pd.notna(r.england)
               else f"the median of English districts, {_fmt(bench, r.unit)}")
    no_england = "" if pd.notna(r.england) else "; the source has no England value"
    kind = stats.comparison_kind(r.compared_with_england)
    higher_is_worse = r.polarity != "high-is-good"
    higher = r.value > bench
    wrong_side = higher if higher_is_worse else r.value < bench
    side = "higher than" if higher else "lower than"
    whole_population = _whole_population(trigger.indicator)
    if trigger.kind == "higher_than_benchmark":
        wrong_side, higher_is_worse = higher, True
    if kind in ("worse", "better", "similar", "higher", "lower"):  # tested: only a significant difference fires
        if kind in ("worse", "better"):
            bad = kind == "worse" if trigger.kind == "worse_than_benchmark" else higher
        else:
            bad = kind != "similar" and (kind == "higher") == higher_is_worse
        status = "fires" if bad else None
        how, why = f"significantly {kind} than", f" ({r.comparison_method or 'tested'})"
    elif whole_population and pd.notna(r.england):
        status = "fires" if wrong_side else None
        how, why = side, " (a whole-population count: no sampling error, so no test is needed)"
    else:
        status = "not_tested" if wrong_side else None
        how, why = side, f" (difference not tested for significance: the source gives no interval or counts{no_england})"
    if status is None:
        return None
    name = area_name or r.area_name
    whose = name if r.value_geography == name else f"{r.value_geography} (the county's figure)"
    return status, (f"{narrative.capital_first(r.indicator)}: {_fmt(r.value, r.unit)} in {whose}, {r.period}"
                    f"{narrative.old_flag(r.period)}, {how} {against}{why}")


def _whole_population(indicator_id: str) -> bool:
    try:
        return bool(catalog.indicator(indicator_id).whole_population)
    except Exception:  # an unknown id is never a whole-population count
        return False


def untested(topic: str, card: pd.DataFrame) -> list[str]:
    """Figures this page's actions look at that sit on the wrong side of their benchmark but cannot be tested
    for significance: named on the page, never used to fire an action."""
    seen, out = set(), []
    for action in evidence().actions:
        if topic not in action.topics:
            continue
        for trigger in action.triggers:
            judged = _judge(trigger, card) if trigger.kind != "local_below_county" else None
            if judged and judged[0] == "not_tested" and judged[1] not in seen:
                seen.add(judged[1])
                out.append(judged[1])
    return out


def _lower_first(text: str) -> str:
    """'Adults who smoke' -> 'adults who smoke'; names and acronyms ('England', 'IoD') keep their case."""
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


def _indicator_name(card: pd.DataFrame, indicator_id: str) -> str:
    rows = card[card.indicator_id == indicator_id]
    return _lower_first(rows.indicator.iloc[0]) if len(rows) else indicator_id.replace("_", " ")


def actions(area: Area, topic: str, card: pd.DataFrame) -> pd.DataFrame:
    """The actions the area's figures fire for one page (at most five), with what fired them and the evidence."""
    ev = evidence()
    rows = []
    for action in ev.actions:
        if topic not in action.topics:
            continue
        fired = [s for s in (_fired(t, area, card) for t in action.triggers) if s]
        if not fired:
            continue
        cites = [ev.documents[c.document]["citation"] + (f": {c.part}" if c.part else "") for c in action.evidence]
        rows.append({"area_code": area.code, "area_name": area.name, "topic": topic, "action_id": action.id,
                     "action": " ".join(action.action.split()), "triggered_by": " ".join(f"{f}." for f in fired),
                     "evidence": " | ".join(" ".join(c.split()) for c in cites)})
        if len(rows) == MAX_ACTIONS:
            break
    return pd.DataFrame(rows, columns=["area_code", "area_name", "topic", "action_id", "action", "triggered_by",
                                       "evidence"])


def checked_indicators(topic: str, card: pd.DataFrame, held: bool = True) -> list[str]:
    """The indicators this page's actions look at (named when none fires): those with a value for the area
    (``held``), or those without one."""
    ids = {t.indicator for a in evidence().actions if topic in a.topics for t in a.triggers}
    rows = card[card.indicator_id.isin(ids)]
    rows = rows[rows.value.notna() == held] if "value" in rows else rows.iloc[0:0 if not held else len(rows)]
    return sorted(set(rows.indicator.map(_lower_first).tolist()))


def actions_html(area: Area, topic: str, table: pd.DataFrame, card: pd.DataFrame) -> str:
    """The section as an HTML fragment (``templates/report/actions.html.j2``, escaped by the template)."""
    return fragments.render(
        "report/actions",
        area=area.name,
        actions=[{"action": r.action, "triggered_by": r.triggered_by, "evidence": r.evidence.replace(" | ", "; ")}
                 for r in table.itertuples()],
        checked=narrative.list_phrase(checked_indicators(topic, card)),
        missing=narrative.list_phrase(checked_indicators(topic, card, held=False)),
        untested=untested(topic, card),
    )
