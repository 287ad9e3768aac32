# Long module: one policy in one place: count rules, complementary suppression and implied events share helpers.
"""Statistical disclosure control applied wherever data leaves the store.

One policy, one place: exporters, tables and chart tooltips call
:func:`apply` on the way out, render with :func:`for_output`, and call
:func:`check_no_small_counts` as a last line of defence before writing.

Rules (``rule`` argument)
-------------------------
``"hospital"`` / ``"maternity"``
    NHS hospital- or maternity-derived counts (HES, MSDS, ...): counts of
    1 to 7 are suppressed, every other count is rounded to the nearest 5
    (NHS England disclosure control).
``"ons_vital"``
    ONS births and deaths: counts of 1 and 2 are suppressed.
``"census"``
    ONS census outputs are already disclosure-controlled: no extra rule.
``"none"``
    Published rates with no counts: nothing to do.

Zero is never disclosive under these rules and is shown as 0.  Values
derived from a suppressed count (rates, percentages, confidence limits) are
suppressed too, because they would let the count be recovered.
Denominators (populations) are not suppressed.

Design: suppressed numeric cells become NaN (columns stay numeric), a boolean
``suppressed`` column marks the rows and ``value_note`` says why.
:func:`for_output` then shows "[c]" (ONS convention: confidential) for a
suppressed cell and "[x]" for a genuinely unavailable one, so a blank never
reads as zero.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = [
    "SUPPRESSED",
    "NOT_AVAILABLE",
    "RULES",
    "FOOTNOTES",
    "DEFAULT_DERIVED_COLS",
    "DisclosureError",
    "apply",
    "for_output",
    "display",
    "footnote",
    "check_no_small_counts",
    "COMPLEMENT_NOTE",
    "IMPLIED_NOTE",
    "IMPLIED_EVENTS_THRESHOLD",
    "implied_events",
    "suppress_implied_events",
    "complementary_suppression",
    "is_suppressed",
    "for_csv",
]

#: Marker for a suppressed (confidential) cell, ONS convention.
SUPPRESSED = "[c]"
#: Marker for a value that is genuinely not available, ONS convention.
NOT_AVAILABLE = "[x]"


@dataclass(frozen=True)
class Rule:
    """A disclosure rule: suppress counts in [1, max_suppressed], round the rest."""

    name: str
    max_suppressed: int = 0      # counts 1..max_suppressed are suppressed (0 = none)
    round_to: int = 1            # other counts rounded to the nearest round_to (1 = none)
    note: str = ""


_HOSPITAL_NOTE = f"{SUPPRESSED} suppressed: fewer than 8 events (disclosure control)"
_ONS_NOTE = f"{SUPPRESSED} suppressed: fewer than 3 events (disclosure control)"

#: Valid rules by name.
RULES = {
    "hospital": Rule("hospital", 7, 5, _HOSPITAL_NOTE),
    "maternity": Rule("maternity", 7, 5, _HOSPITAL_NOTE),
    "ons_vital": Rule("ons_vital", 2, 1, _ONS_NOTE),
    "census": Rule("census"),
    "none": Rule("none"),
}

_HOSPITAL_FOOTNOTE = (
    f"{SUPPRESSED} Counts of 1 to 7 are suppressed and other counts rounded to the nearest 5 "
    "to protect confidentiality (NHS England disclosure control); rates and percentages "
    "based on suppressed counts are also suppressed."
)

#: Footnote text to print under any table/chart built with each rule.
FOOTNOTES = {
    "hospital": _HOSPITAL_FOOTNOTE,
    "maternity": _HOSPITAL_FOOTNOTE,
    "ons_vital": (
        f"{SUPPRESSED} Counts of 1 and 2 are suppressed to protect confidentiality "
        "(ONS disclosure control for births and deaths); rates and percentages based on "
        "suppressed counts are also suppressed."
    ),
    "census": "Census figures are published by ONS with its own disclosure control applied.",
    "none": "",
}

#: Columns treated as derived from the count when ``derived_cols`` is not given
#: (only those present in the frame are used).  Denominators are deliberately
#: absent: populations are not disclosive.
DEFAULT_DERIVED_COLS = (
    "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998",
    "lower", "upper", "rate", "percentage", "proportion", "share",
)


class DisclosureError(ValueError):
    """A frame about to leave the store still holds a disclosive count."""


def _rule(rule):
    if isinstance(rule, Rule):
        return rule
    if rule not in RULES:
        raise ValueError(
            f"unknown disclosure rule {rule!r}; valid rules are: {', '.join(sorted(RULES))}"
        )
    return RULES[rule]


def footnote(rule):
    """Footnote text for a rule (empty string when the rule adds nothing)."""
    return FOOTNOTES[_rule(rule).name]


def _numeric(series):
    return pd.to_numeric(series, errors="coerce").astype(float)


def apply(frame, rule, count_cols=("count",), derived_cols=None, note_col="value_note"):
    """Apply a disclosure rule and return a new, safe DataFrame.

    Parameters
    ----------
    frame : pandas.DataFrame
        Not modified.
    rule : {"hospital", "maternity", "ons_vital", "census", "none"}
    count_cols : sequence of str, default ("count",)
        Columns holding counts (absent ones are ignored).
    derived_cols : sequence of str, optional
        Columns computed from the counts (rates, percentages, CIs) that must
        be suppressed with them; default: those of
        :data:`DEFAULT_DERIVED_COLS` present in the frame.
    note_col : str, default "value_note"
        Text column explaining suppression (existing notes are kept).

    Returns
    -------
    pandas.DataFrame
        Copy with suppressed cells set to NaN, remaining counts rounded as
        the rule requires, a boolean ``suppressed`` column and ``note_col``.
        ``attrs["disclosure_rule"]`` records the rule.
    """
    r = _rule(rule)
    out = frame.copy()
    counts = [c for c in count_cols if c in out.columns]
    if derived_cols is None:
        derived = [c for c in DEFAULT_DERIVED_COLS if c in out.columns and c not in counts]
    else:
        derived = [c for c in derived_cols if c in out.columns]

    row_suppressed = np.zeros(len(out), dtype=bool)
    # Rules with nothing to do leave the columns (and their dtypes) alone.
    active = r.max_suppressed > 0 or r.round_to > 1
    for c in counts if active else ():
        x = _numeric(out[c]).to_numpy()
        with np.errstate(invalid="ignore"):
            small = (x >= 1) & (x <= r.max_suppressed) if r.max_suppressed else np.zeros(len(x), bool)
        row_suppressed |= small
        if r.round_to > 1:
            # Round half up (counts are whole numbers, so halves never arise).
            x = np.floor(x / r.round_to + 0.5) * r.round_to
        out[c] = np.where(small, np.nan, x)
    for c in derived if row_suppressed.any() else ():
        out[c] = np.where(row_suppressed, np.nan, _numeric(out[c]).to_numpy())

    prev = out["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = row_suppressed | prev
    notes = (out[note_col].astype(object).where(out[note_col].notna(), "").to_numpy()
             if note_col in out.columns else np.full(len(out), "", dtype=object))
    new = np.array([(f"{n}; {r.note}" if n else r.note) if s else n
                    for n, s in zip(notes, row_suppressed)], dtype=object)
    out[note_col] = pd.Series(new, index=out.index, dtype=object)
    out.attrs["disclosure_rule"] = r.name
    return out


def for_output(frame, columns=None):
    """Render a frame for HTML/CSV/tooltips so blanks never look like zero.

    Numeric cells that are NaN become "[c]" in rows flagged ``suppressed``
    (or whose ``value_note`` starts with "[c]", as rows withheld by the
    store are) and "[x]" (not available) elsewhere; everything else is
    unchanged.

    Parameters
    ----------
    frame : pandas.DataFrame
        Usually the output of :func:`apply`.
    columns : sequence of str, optional
        Columns to render (default: every numeric column except the
        ``suppressed`` flag).

    Returns
    -------
    pandas.DataFrame
        Copy with object dtype in the rendered columns.
    """
    out = frame.copy()
    supp = is_suppressed(out)
    if columns is None:
        columns = [c for c in out.columns
                   if c != "suppressed" and pd.api.types.is_numeric_dtype(out[c])
                   and not pd.api.types.is_bool_dtype(out[c])]
    for c in columns:
        vals = out[c].astype(object).to_numpy()
        missing = pd.isna(out[c]).to_numpy()
        rendered = np.where(missing & supp, SUPPRESSED, np.where(missing, NOT_AVAILABLE, vals))
        out[c] = pd.Series(rendered, index=out.index, dtype=object)
    return out


_NOT_AVAILABLE_NOTE = f"{NOT_AVAILABLE} not available: not published in the source held here"
_SUPPRESSED_NOTE = f"{SUPPRESSED} suppressed (disclosure control)"


def for_csv(frame, note_col="value_note"):
    """Render a frame for a CSV file: no empty field may stand for a missing or withheld number.

    Every missing cell (numeric or text) becomes "[c]" in a suppressed row and "[x]" elsewhere, as in ONS
    tables, and the note column (``note_col``, added if absent) says why on every row that has a marker.
    Read it back as numbers with ``pandas.read_csv(path, na_values=["[c]", "[x]"])``.

    Parameters
    ----------
    frame : pandas.DataFrame
        Already disclosure-controlled (suppressed cells are NaN).
    note_col : str, default "value_note"

    Returns
    -------
    pandas.DataFrame
        Copy with object dtype where markers were written.
    """
    out = frame.copy()
    supp = is_suppressed(out, note_col)
    if note_col not in out.columns:
        out[note_col] = ""
    marked = np.zeros(len(out), dtype=bool)
    for c in out.columns:
        if c in (note_col, "suppressed"):
            continue
        missing = pd.isna(out[c]).to_numpy()
        if not missing.any():
            continue
        marked |= missing
        vals = out[c].astype(object).to_numpy()
        out[c] = pd.Series(np.where(missing & supp, SUPPRESSED, np.where(missing, NOT_AVAILABLE, vals)),
                           index=out.index, dtype=object)
    notes = out[note_col].astype(object).where(out[note_col].notna(), "").astype(str).to_numpy()
    why = np.where(supp, _SUPPRESSED_NOTE, _NOT_AVAILABLE_NOTE)
    needs = marked & ~pd.Series(notes).str.startswith((SUPPRESSED, NOT_AVAILABLE)).to_numpy()
    new = [f"{w}; {n}" if n else w for w, n in zip(why, notes)]
    out[note_col] = pd.Series(np.where(needs, new, notes), index=out.index, dtype=object)
    return out


#: Alias of :func:`for_output`.
display = for_output


def check_no_small_counts(frame, rule, count_cols=("count",)):
    """Raise if a frame about to be written still holds a disclosive count.

    Checks every present ``count_cols`` column: counts in the suppressed
    range (1-7 hospital/maternity, 1-2 ons_vital) and, where the rule rounds,
    counts that are not multiples of the rounding base.  Rendered markers
    ("[c]", "[x]") and missing values pass.

    Raises
    ------
    DisclosureError
        Naming the column, row position(s) and offending value(s).
    """
    r = _rule(rule)
    problems = []
    for c in count_cols:
        if c not in frame.columns:
            continue
        x = _numeric(frame[c]).to_numpy()
        with np.errstate(invalid="ignore"):
            small = (x >= 1) & (x <= r.max_suppressed) if r.max_suppressed else np.zeros(len(x), bool)
            unrounded = (np.mod(x, r.round_to) != 0) & ~np.isnan(x) if r.round_to > 1 \
                else np.zeros(len(x), bool)
        for what, mask in (("a count of 1 to %d" % r.max_suppressed, small),
                           ("a count not rounded to a multiple of %d" % r.round_to, unrounded & ~small)):
            pos = np.flatnonzero(mask)
            if pos.size:
                shown = ", ".join(f"position {p} ({x[p]:g})" for p in pos[:5])
                more = f" and {pos.size - 5} more" if pos.size > 5 else ""
                problems.append(f"column {c!r} holds {what} at {shown}{more}")
    if problems:
        raise DisclosureError(
            f"disclosive data under rule {r.name!r}: " + "; ".join(problems)
            + ". Apply nbutils.disclosure.apply() before writing."
        )


def is_suppressed(frame, note_col="value_note"):
    """Boolean array: rows flagged ``suppressed`` or whose note starts with "[c]"."""
    flag = (frame["suppressed"].fillna(False).astype(bool).to_numpy()
            if "suppressed" in frame.columns else np.zeros(len(frame), dtype=bool))
    if note_col in frame.columns:
        flag = flag | frame[note_col].fillna("").astype(str).str.startswith(SUPPRESSED).to_numpy()
    return flag


# ----------------------------------------------------------------------------------------------- implied events

#: Note for a rate withheld because it implies fewer than 3 events.
IMPLIED_NOTE = f"{SUPPRESSED} suppressed: the rate implies fewer than 3 events (disclosure control)"

#: Estimated events below which a rate published without counts is withheld.  Deliberately above 3: see
#: :func:`suppress_implied_events`.
IMPLIED_EVENTS_THRESHOLD = 3.5


def implied_events(values, births, per, births_years=1):
    """Events implied by a rate: ``value / per x births a year x years pooled``.

    Parameters
    ----------
    values : array-like
        Rates as published (e.g. deaths per 1,000 live births, or a percentage with ``per=100``).
    births : array-like
        Births (or population) a year in the same areas; NaN where unknown.
    per : float
        The rate's base (1000 for "per 1,000", 100 for a percentage).
    births_years : float, default 1
        Years pooled in one period (3 for a three-year pooled rate).

    Returns
    -------
    numpy.ndarray
        Estimated events (NaN where the rate or births are unknown).
    """
    return _numeric(pd.Series(values)).to_numpy() / per * _numeric(pd.Series(births)).to_numpy() * births_years


def suppress_implied_events(frame, births, per, births_years=1, threshold=IMPLIED_EVENTS_THRESHOLD,
                            derived_cols=None, note_col="value_note"):
    """Withhold rates published without counts that imply fewer than 3 events.

    A rate of 0.71 per 1,000 over about 1,400 births is one death: publishing the rate publishes the count.
    The events are estimated from the rate and the area's births (:func:`implied_events`) and the row is
    suppressed like a count of 1 or 2 (value and limits blanked, ``suppressed`` set, a "[c]" note).

    Why the threshold is 3.5 rather than 3: the births are an approximation (the store uses ONS mid-year
    residents aged under 1, which differ from the births behind a published rate by migration, infant deaths,
    the years pooled and, for term-birth indicators, preterm births and unrecorded weights).  Against the births
    implied by the ONS Health Index rates themselves they overstate the true denominator by up to 24% (all births)
    and 44% (term births with a recorded weight).  An overstated denominator inflates the estimate, so a true
    count of 2 could read as 2.9; at 3.5 it is still withheld unless births are overstated by more than 75%.  The
    price is withholding some rates that rest on 3 events, the safe direction.  Zero rates are kept (zero is
    never disclosive under these rules); rows whose births are unknown cannot be estimated and are kept.

    Parameters
    ----------
    frame : pandas.DataFrame
        Rows with ``value`` and ``area_code`` (not modified).
    births : pandas.Series
        Births a year indexed by area code.
    per, births_years : float
        See :func:`implied_events`.
    threshold : float, default :data:`IMPLIED_EVENTS_THRESHOLD`
    derived_cols : sequence of str, optional
        Columns blanked with the value (default: those of :data:`DEFAULT_DERIVED_COLS` present).
    note_col : str, default "value_note"

    Returns
    -------
    pandas.DataFrame
        Copy with ``implied_events`` (the estimate) and ``suppressed`` columns added.
    """
    out = frame.copy()
    est = implied_events(out["value"], out["area_code"].map(births), per, births_years)
    with np.errstate(invalid="ignore"):
        small = (est > 0) & (est < threshold)
    derived = [c for c in (derived_cols or DEFAULT_DERIVED_COLS) if c in out.columns]
    for c in derived + (["count"] if "count" in out.columns else []):
        out[c] = np.where(small, np.nan, _numeric(out[c]).to_numpy())
    out["implied_events"] = est
    prev = out["suppressed"].fillna(False).astype(bool).to_numpy() if "suppressed" in out else False
    out["suppressed"] = small | prev
    if note_col not in out.columns:
        out[note_col] = ""
    out.loc[small, note_col] = IMPLIED_NOTE
    return out


# ----------------------------------------------------------------------------------------------- complements

#: Note for a value withheld only so that another suppressed value cannot be worked out by subtraction.
COMPLEMENT_NOTE = f"{SUPPRESSED} suppressed so that another suppressed value cannot be worked out"


def _expand(node, children, in_play, seen=None):
    """Members of ``node`` as a reader sees them: an unpublished subtotal is replaced by its own members (it is
    a sum of them, so it hides nothing), an unpublished leaf is a free unknown ("?" + code)."""
    out = []
    for child in children.get(node, ()):
        if child in in_play:
            out.append(child)
        elif child in children:
            out.extend(_expand(child, children, in_play))
        else:
            out.append("?" + child)
    return out


def complementary_suppression(frame, edges, by, key="area_code", size="count", derived_cols=None,
                              note_col="value_note"):
    """Secondary suppression: make sure no suppressed value can be worked out by subtraction.

    Wherever a group total and its members are shown (a county and its districts, a region and its upper tiers,
    England and its regions, an area's categories and their total), a suppressed cell that is the only unknown in
    its group is recovered as total minus the rest.  This suppresses the next-smallest shown member with a
    non-zero size (or, failing that, the total) and repeats until no group has exactly one unknown.  It also
    treats a group whose unknown members must all be 1 (they sum to their number) as recoverable.  Members
    absent from the data are unknowns (they protect); an unpublished subtotal is replaced by its members, since
    it is a sum of them.  Groups are the rows sharing ``by`` (the same indicator, period and category), linked
    by ``edges``.  With totals nested as a tree, one-unknown groups are the only way to pin a single value.

    Parameters
    ----------
    frame : pandas.DataFrame
        Output of :func:`apply` / :func:`suppress_implied_events` (needs ``suppressed`` or "[c]" notes).
    edges : pandas.DataFrame
        Columns ``parent`` and ``child``, values of ``key``: each parent is the sum of its children.
    by : list of str
        Columns that define one table (e.g. indicator, period, category_type, category).
    key : str, default "area_code"
        Column naming the cell within a table.
    size : str, default "count"
        Column holding each cell's true size before suppression (counts, or implied events), used to pick the
        next-smallest member and to spot all-ones groups; NaN sizes are never picked.
    derived_cols : sequence of str, optional
        Columns blanked with the count (default: those of :data:`DEFAULT_DERIVED_COLS` present).
    note_col : str, default "value_note"

    Returns
    -------
    pandas.DataFrame
        Copy with extra rows suppressed (their note is :data:`COMPLEMENT_NOTE`).
    """
    out = frame.copy()
    supp = is_suppressed(out, note_col)
    if not supp.any() or out.empty:
        out["suppressed"] = supp
        return out
    children = {}
    for parent, child in zip(edges["parent"], edges["child"]):
        children.setdefault(parent, []).append(child)
    sizes = _numeric(out[size]).to_numpy() if size in out.columns else np.full(len(out), np.nan)
    value_cols = [c for c in ("count", "value") if c in out.columns]
    shown = np.zeros(len(out), dtype=bool)
    for c in value_cols:
        shown |= _numeric(out[c]).notna().to_numpy()
    added = np.zeros(len(out), dtype=bool)
    keys = out[key].to_numpy()
    grouping = out.groupby(by, dropna=False, sort=False).indices if by else {(): np.arange(len(out))}
    for positions in grouping.values():
        if not supp[positions].any():
            continue
        rows = {}
        for p in positions:
            rows.setdefault(keys[p], []).append(p)
        hidden = {k for k, ps in rows.items() if supp[ps].any()}
        known = {k for k, ps in rows.items() if k not in hidden and shown[ps].any()}
        size_of = {k: np.nanmax(sizes[ps]) if np.isfinite(sizes[ps]).any() else np.nan for k, ps in rows.items()}
        in_play = hidden | known
        groups = [(t, _expand(t, children, in_play)) for t in in_play if t in children]
        groups = [(t, m) for t, m in groups if m]
        changed = True
        while changed:
            changed = False
            for total, members in groups:
                cells = [total, *members]
                unknown = [c for c in cells if c.startswith("?") or c in hidden]
                if not any(c in hidden for c in unknown):
                    continue
                pinned = len(unknown) == 1
                if not pinned and total in known and not any(c.startswith("?") for c in unknown):
                    s = [size_of.get(c, np.nan) for c in unknown]
                    pinned = bool(np.all(np.isfinite(s)) and sum(s) <= len(s))
                if not pinned:
                    continue
                pick = sorted((size_of[c], c) for c in members
                              if c in known and np.isfinite(size_of[c]) and size_of[c] > 0)
                chosen = pick[0][1] if pick else (total if total in known else None)
                if chosen is None:
                    continue
                known.discard(chosen)
                hidden.add(chosen)
                added[rows[chosen]] = True
                changed = True
    derived = [c for c in (derived_cols or DEFAULT_DERIVED_COLS) if c in out.columns]
    for c in derived + (["count"] if "count" in out.columns else []):
        out[c] = np.where(added, np.nan, _numeric(out[c]).to_numpy())
    out["suppressed"] = supp | added
    if note_col not in out.columns:
        out[note_col] = ""
    out.loc[added, note_col] = COMPLEMENT_NOTE
    return out
