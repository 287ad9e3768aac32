"""Primary suppression: the count rules, rendering withheld cells as [c] and the last-line check.

See :mod:`nbutils.disclosure` for the policy as a whole."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

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


#: The one note every withheld cell carries, whatever withheld it: a small count, a rate implying few events, or a
#: value withheld so that another cannot be worked out. One wording, so the reader cannot tell which cells are the
#: small ones (two notes would point at them).
WITHHELD_NOTE = f"{SUPPRESSED} withheld to protect confidentiality (disclosure control)"
_HOSPITAL_NOTE = WITHHELD_NOTE
_ONS_NOTE = WITHHELD_NOTE

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
        f"{SUPPRESSED} withheld to protect confidentiality (ONS disclosure control for births and deaths): "
        "counts of 1 and 2, rates and percentages resting on them, and figures from which one could be "
        "worked out."
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
_SUPPRESSED_NOTE = WITHHELD_NOTE


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
    notes = _notes(out, note_col)
    marked = np.zeros(len(out), dtype=bool)
    for c in out.columns:
        if c in (note_col, "suppressed"):
            continue
        column = out[c]
        missing = column.isna().to_numpy()
        if not missing.any():
            continue
        marked |= missing
        vals = column.to_numpy(dtype=object)
        out[c] = pd.Series(np.where(missing & supp, SUPPRESSED, np.where(missing, NOT_AVAILABLE, vals)),
                           index=out.index, dtype=object)
    out[note_col] = pd.Series(_marker_notes(notes, supp, marked), index=out.index, dtype=object)
    return out


def csv_notes(frame, note_col="value_note"):
    """The note column :func:`for_csv` writes for ``frame`` (a Series of text), without rendering the markers."""
    supp = is_suppressed(frame, note_col)
    marked = np.zeros(len(frame), dtype=bool)
    for c in frame.columns:
        if c not in (note_col, "suppressed"):
            marked |= frame[c].isna().to_numpy()
    return pd.Series(_marker_notes(_notes(frame, note_col), supp, marked), index=frame.index, dtype=object)


def _notes(frame, note_col) -> np.ndarray:
    if note_col not in frame.columns:
        return np.full(len(frame), "", dtype=object)
    return np.array(["" if pd.isna(n) else str(n) for n in frame[note_col]], dtype=object)


def _marker_notes(notes: np.ndarray, supp: np.ndarray, marked: np.ndarray) -> np.ndarray:
    """Each row's note, with why its cells are marked put first on a row that has a marker and no such note."""
    why = np.where(supp, _SUPPRESSED_NOTE, _NOT_AVAILABLE_NOTE)
    needs = marked & ~np.array([n.startswith((SUPPRESSED, NOT_AVAILABLE)) for n in notes], dtype=bool)
    new = [f"{w}; {n}" if n else w for w, n in zip(why, notes)]
    return np.where(needs, new, notes)


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

