"""One statistic, every copy of it: disclosure control over the union of what the copies show.

The same statistic is often published by several sources (infant mortality: the Fingertips 2016-18 extract with
counts, the ONS Health Index three-year rates, DfE LAIT single years). Suppressing each copy on its own lets a reader
combine them: a rate to ten significant figures times a births figure shown in another table, or a county total
from one source minus its districts from another. :func:`control_statistic` therefore treats the copies as one:

1. every value is rounded to the decimals its source publishes (:func:`round_published`), before anything else, so
   no copy carries more precision than the page shows;
2. primary suppression per copy: the count rule, and for rates without counts the events they imply, estimated
   from the best denominator any copy shows for the same area and years (:func:`implied_sizes`);
3. a cell (area, years, category) withheld in any copy is withheld in every copy;
4. complementary suppression over the union, along the area hierarchy (districts in a county, upper tiers in a
   region, regions in England), each period apart;
5. across overlapping periods where exact counts are shown (counts, or rounded rates that pin one whole number
   against a shown denominator): a withheld window whose years are a sum/difference of shown windows of the same
   area (:func:`recoverable_windows`) withholds another;
6. pooled periods and the single years they contain as one family, approximately: every shown window is an
   interval of events (a rounded rate times its denominator), and shown windows are withheld until no withheld
   window of the area can be narrowed to within the count rule's width (:mod:`.estimates`);

steps 4 to 6 repeat until nothing changes. Pure: frames in, frames out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .complementary import complementary_suppression
from .estimates import HALF_WIDTH_BY_RULE, protect_family
from .implied import IMPLIED_EVENTS_THRESHOLD
from .primary import WITHHELD_NOTE, _numeric, apply, is_suppressed

#: Value columns rounded to the published decimals and blanked with a withheld count.
VALUE_COLUMNS = ("value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998")

_POOLED = re.compile(r"^(\d{4})-(\d{2})$")
_YEAR = re.compile(r"^(\d{4})$")


@dataclass(frozen=True)
class Copy:
    """How one copy of a statistic is controlled (from its catalogue entry)."""

    rule: str = "none"                 # count rule (primary.RULES)
    decimals: int = 1                  # decimals the source publishes
    per: float | None = None           # rate base when it publishes rates without counts (implied events)
    births_years: float = 1            # years pooled in one period, for the implied events


def period_years(period) -> tuple[int, int] | None:
    """First and last calendar year of a period: '2016-18' -> (2016, 2018), '2017' -> (2017, 2017); None for
    anything else (financial years, quarters): such periods are only matched to themselves."""
    text = str(period)
    if m := _POOLED.match(text):
        first = int(m.group(1))
        last = first // 100 * 100 + int(m.group(2))
        return (first, last if last >= first else last + 100)
    if m := _YEAR.match(text):
        return (int(m.group(1)),) * 2
    return None


def round_published(frame: pd.DataFrame, decimals: int, columns=VALUE_COLUMNS) -> pd.DataFrame:
    """Values and limits rounded to the decimals the source publishes (a copy; counts and denominators as they are)."""
    out = frame.copy()
    for c in columns:
        if c in out.columns:
            out[c] = _numeric(out[c]).round(decimals)
    return out


def pinned_count(value, denominator, per, decimals) -> np.ndarray:
    """The count a rounded rate gives back exactly against a shown denominator, else NaN.

    A rate shown at ``decimals`` places stands for any rate within half a unit of its last place; times the
    denominator that is an interval of counts. When exactly one whole number lies in it, showing the rate and the
    denominator shows the count.
    """
    v, d = _numeric(pd.Series(value)).to_numpy(), _numeric(pd.Series(denominator)).to_numpy()
    half = 0.5 * 10.0 ** (-decimals)
    with np.errstate(invalid="ignore"):
        low = np.ceil((v - half) / per * d - 1e-9)
        high = np.floor((v + half) / per * d + 1e-9)
        return np.where((low == high) & (d > 0), low, np.nan)


def _keys(frame: pd.DataFrame) -> pd.DataFrame:
    """The cell a row shows, comparable across copies: area, first and last year (or the period), category."""
    years = frame["period"].map(period_years)
    first = [y[0] if y else str(p) for y, p in zip(years, frame["period"])]
    last = [y[1] if y else str(p) for y, p in zip(years, frame["period"])]
    return pd.DataFrame({"area_code": frame["area_code"].astype(str).to_numpy(), "_first": first, "_last": last,
                         "_cat": frame["category"].fillna("").astype(str).to_numpy()
                         if "category" in frame.columns else ""}, index=frame.index)


def implied_sizes(frame: pd.DataFrame, keys: pd.DataFrame, copy: Copy, shown_denominators: dict,
                  births: pd.Series) -> np.ndarray:
    """Events behind each row: its count where published, else rate x the best denominator (its own, else one
    another copy shows for the same area and years, else births a year x years pooled); NaN where unknown."""
    count = _numeric(frame["count"]).to_numpy() if "count" in frame.columns else np.full(len(frame), np.nan)
    if copy.per is None:
        return count
    own = _numeric(frame["denominator"]).to_numpy() if "denominator" in frame.columns else np.full(len(frame), np.nan)
    shown = np.array([shown_denominators.get(k, np.nan) for k in zip(keys.area_code, keys._first, keys._last)])
    approx = _numeric(keys.area_code.map(births)).to_numpy() * copy.births_years
    denominator = np.where(np.isfinite(own), own, np.where(np.isfinite(shown), shown, approx))
    estimate = _numeric(frame["value"]).to_numpy() / copy.per * denominator
    return np.where(np.isfinite(count), count, estimate)


def recoverable_windows(shown: list[tuple[int, int]], withheld: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Withheld year windows of one area that are sums and differences of its shown windows (exact counts).

    ``shown`` and ``withheld`` are (first, last) calendar years; a window is recoverable when its indicator
    vector over the years lies in the span of the shown windows' vectors.
    """
    if not shown or not withheld:
        return []
    years = range(min(min(w) for w in shown + withheld), max(max(w) for w in shown + withheld) + 1)
    index = {y: i for i, y in enumerate(years)}

    def vector(window):
        v = np.zeros(len(index))
        v[index[window[0]]:index[window[1]] + 1] = 1
        return v

    basis = np.array([vector(w) for w in shown])
    rank = np.linalg.matrix_rank(basis)
    return [w for w in withheld if np.linalg.matrix_rank(np.vstack([basis, vector(w)])) == rank]


def _event_interval(count, value, denominator, copy: Copy, keys: pd.DataFrame, births: pd.Series):
    """Events each row allows a reader: its count (within the rule's rounding), else its rate within half a unit
    of the last decimal times its denominator (its own or another copy's; else births a year x years pooled,
    taken as exact, the reader's best case). NaN where no denominator is known."""
    from .primary import RULES

    half_count = (RULES[copy.rule].round_to - 1) / 2 if copy.rule in RULES else 0.0
    low, high = count - half_count, count + half_count
    if copy.per is not None:
        span = keys.area_code.map(births).to_numpy(dtype=float) * copy.births_years
        d = np.where(np.isfinite(denominator), denominator, span)
        half = 0.5 * 10.0 ** (-copy.decimals)
        with np.errstate(invalid="ignore"):
            rate_low = np.maximum(value - half, 0) / copy.per * d
            rate_high = (value + half) / copy.per * d
        low = np.where(np.isfinite(count), low, rate_low)
        high = np.where(np.isfinite(count), high, rate_high)
    return np.maximum(low, 0), high


def _union_cells(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """One row per cell over every copy: the largest size seen, shown in any copy, withheld in any copy."""
    cells = pd.concat(parts, ignore_index=True)
    keys = ["area_code", "_first", "_last", "_cat"]
    union = (cells.groupby(keys, sort=False)
             .agg(_size=("_size", "max"), _shown=("_shown", "any"), _withheld=("_withheld", "any"),
                  _exact=("_exact", "any")).reset_index())
    # The most precise interval of events any copy shows for the cell (what a reader would use).
    precise = (cells.assign(_width=cells._high - cells._low).dropna(subset=["_width"]).sort_values("_width")
               .drop_duplicates(keys)[[*keys, "_low", "_high"]])
    return union.merge(precise, on=keys, how="left")


def _hierarchy_round(cells: pd.DataFrame, edges: pd.DataFrame) -> set:
    frame = pd.DataFrame({"area_code": cells.area_code, "_first": cells._first, "_last": cells._last,
                          "_cat": cells._cat, "_size": cells._size, "suppressed": cells._withheld,
                          "value": np.where(cells._shown & ~cells._withheld, 1.0, np.nan), "value_note": ""})
    out = complementary_suppression(frame, edges, ["_first", "_last", "_cat"], size="_size")
    added = out["suppressed"].to_numpy() & ~cells._withheld.to_numpy()
    return set(zip(cells.area_code[added], cells._first[added], cells._last[added], cells._cat[added]))


def _period_round(cells: pd.DataFrame) -> set:
    """Cells to withhold so that no withheld window of an area is a sum/difference of its shown exact windows."""
    added = set()
    years = cells[cells._first.map(lambda y: isinstance(y, (int, np.integer)))]
    # Only an area with a withheld window and an exact shown one can give anything away.
    either = years.groupby(["area_code", "_cat"], sort=False)[["_withheld", "_exact"]].transform("any")
    years = years[either._withheld & either._exact]
    for (area, cat), rows in years.groupby(["area_code", "_cat"], sort=False):
        withheld = [(a, b) for a, b in zip(rows._first[rows._withheld], rows._last[rows._withheld])]
        exact = rows[rows._exact & ~rows._withheld].sort_values("_size")
        shown = [(a, b) for a, b in zip(exact._first, exact._last)]
        while recoverable_windows(shown, withheld):
            # Withhold the smallest shown window; that removes it from what the reader can combine.
            first, last = shown.pop(0)
            added.add((area, first, last, cat))
    return added


def _estimate_round(cells: pd.DataFrame, min_width: float, cover: set, memo: dict) -> set:
    """Cells to withhold so that no withheld window of an area can be estimated from its shown windows (pooled
    periods and single years together, any copy) to within ``min_width`` events (:func:`.estimates.protect_family`).

    ``memo`` keeps each family's answer between rounds. Windows in ``cover`` (withheld by this round before) stay
    withheld but need no protection of their own: any estimate of one from the shown windows is already counted in
    the range of the window it protects."""
    added = set()
    years = cells[cells._first.map(lambda y: isinstance(y, (int, np.integer)))]
    usable = years._shown & ~years._withheld & np.isfinite(years._low) & np.isfinite(years._high)
    keys = zip(years.area_code, years._first, years._last, years._cat)
    target = years._withheld & ~np.array([k in cover for k in keys], dtype=bool)
    years = years.assign(_usable=usable, _target=target)
    either = years.groupby(["area_code", "_cat"], sort=False)[["_target", "_usable"]].transform("any")
    years = years[either._target & either._usable]
    for (area, cat), rows in years.groupby(["area_code", "_cat"], sort=False):
        withheld = list(zip(rows._first[rows._target], rows._last[rows._target]))
        use = rows[rows._usable]
        shown = list(zip(use._first, use._last, use._low, use._high))
        family = (tuple(shown), tuple(withheld))
        if family not in memo:  # a family unchanged since the last round needs no new programme
            memo[family] = protect_family(shown, withheld, min_width)
        for first, last in memo[family]:
            added.add((area, first, last, cat))
    return added


def control_statistic(copies: dict[str, pd.DataFrame], rules: dict[str, Copy], edges: pd.DataFrame,
                      births: pd.Series, threshold: float = IMPLIED_EVENTS_THRESHOLD,
                      note_col: str = "value_note") -> dict[str, pd.DataFrame]:
    """Disclosure-control every copy of one statistic together (see the module docstring).

    Parameters
    ----------
    copies : dict of str -> pandas.DataFrame
        Each copy's rows (indicator table columns: area_code, period, category, count, denominator, value and
        limits, value_note). Not modified.
    rules : dict of str -> Copy
        How each copy is controlled.
    edges : pandas.DataFrame
        ``parent``/``child`` area codes: each parent is the sum of its children.
    births : pandas.Series
        Births a year by area code (for rates whose denominator no copy shows).
    threshold : float
        Implied events below which a rate is withheld (see :func:`nbutils.disclosure.suppress_implied_events`).

    Returns
    -------
    dict of str -> pandas.DataFrame
        Each copy with values rounded, withheld cells blanked (count, value, limits), a boolean ``suppressed``
        column and the one withheld note in ``note_col``.
    """
    rounded = {name: round_published(frame, rules[name].decimals) for name, frame in copies.items()}
    keys = {name: _keys(frame) for name, frame in rounded.items()}
    shown_denominators = {}
    for name, frame in rounded.items():
        if "denominator" in frame.columns:
            d = _numeric(frame["denominator"])
            k = keys[name]
            for key, value in zip(zip(k.area_code, k._first, k._last), d):
                if np.isfinite(value):
                    shown_denominators[key] = value
    parts, primary, applied = [], {}, {}
    for name, frame in rounded.items():
        copy, k = rules[name], keys[name]
        size = implied_sizes(frame, k, copy, shown_denominators, births)
        safe = apply(frame, copy.rule, derived_cols=[c for c in VALUE_COLUMNS if c in frame.columns])
        applied[name] = safe  # counts rounded as the rule requires (hospital/maternity: nearest 5)
        with np.errstate(invalid="ignore"):
            small = (size > 0) & (size < threshold) if copy.per is not None else np.zeros(len(frame), bool)
        withheld = is_suppressed(safe, note_col) | small
        value = _numeric(frame["value"]).to_numpy()
        count = _numeric(frame["count"]).to_numpy() if "count" in frame.columns else np.full(len(frame), np.nan)
        own = _numeric(frame["denominator"]).to_numpy() if "denominator" in frame.columns else np.full(len(frame), np.nan)
        denominator = np.where(np.isfinite(own), own, [shown_denominators.get(t, np.nan)
                                                       for t in zip(k.area_code, k._first, k._last)])
        exact = np.isfinite(count)
        if copy.per is not None:
            exact |= np.isfinite(pinned_count(value, denominator, copy.per, copy.decimals))
        primary[name] = withheld
        low, high = _event_interval(count, value, denominator, copy, k, births)
        parts.append(k.assign(_size=size, _shown=np.isfinite(value) | np.isfinite(count), _withheld=withheld,
                              _exact=exact, _low=low, _high=high))
    cells = _union_cells(parts)
    min_width = 2 * max(HALF_WIDTH_BY_RULE.get(rules[name].rule, 0.0) for name in rounded)
    cell_keys = list(zip(cells.area_code, cells._first, cells._last, cells._cat))
    cover, memo = set(), {}
    for _ in range(10):
        # Exact rounds first, so the estimate round sees every window they withhold.
        added = _hierarchy_round(cells, edges) | _period_round(cells)
        cells["_withheld"] = cells._withheld.to_numpy() | np.array([c in added for c in cell_keys])
        estimated = _estimate_round(cells, min_width, cover, memo)
        cover |= estimated
        cells["_withheld"] = cells._withheld.to_numpy() | np.array([c in estimated for c in cell_keys])
        if not added and not estimated:
            break
    withheld = {c for c, w in zip(cell_keys, cells._withheld) if w}

    out = {}
    for name, frame in applied.items():
        k = keys[name]
        hit = np.array([c in withheld for c in zip(k.area_code, k._first, k._last, k._cat)], dtype=bool)
        hit |= primary[name]
        safe = frame.drop(columns=["suppressed"]).copy()
        for c in [*VALUE_COLUMNS, "count"]:
            if c in safe.columns:
                safe[c] = np.where(hit, np.nan, _numeric(safe[c]).to_numpy())
        if note_col not in safe.columns:
            safe[note_col] = ""
        notes = safe[note_col].astype(object).where(safe[note_col].notna(), "")
        # The one note replaces any published comparison: a significance claim must not outlive its numbers.
        safe[note_col] = np.where(hit, WITHHELD_NOTE, notes).astype(object)
        safe["suppressed"] = hit
        out[name] = safe
    return out
