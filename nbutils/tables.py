"""Reader tables described once: which columns of a tidy numeric frame to show, under what heading, how rounded.

Topic functions return tidy numeric frames (an analyst can sort, filter and reuse them; the CSV keeps the
numbers). What a reader sees is a display concern, described by a :class:`TableSpec` of :class:`Column` s and
rendered by the page writer (:meth:`nbutils.report.Pack.table`): human headings with units, values at the
catalogue's decimals, ``[c]`` for a withheld cell and ``[x]`` for one not available (ONS convention, from
:mod:`nbutils.disclosure`), and old periods marked as :mod:`nbutils.periods` decides.

Examples
--------
>>> import pandas as pd
>>> spec = TableSpec([Column("area_name", "Area", kind="text"),
...                   Column("share_pct", "Share of residents", kind="percent", decimals=2)])
>>> spec.render(pd.DataFrame({"area_name": ["Swale"], "share_pct": [0.4567]})).to_dict("records")
[{'Area': 'Swale', 'Share of residents (%)': '0.46'}]
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import catalog, disclosure, narrative, periods

Kind = Literal["number", "count", "percent", "text", "period", "interval"]

__all__ = ["Column", "TableSpec", "by_period", "across", "format_number", "analysis_ready", "spec_decimals",
           "csv_frame", "write_csv", "neutralise"]


def format_number(value, decimals: int) -> str:
    """'1,234.5' at ``decimals`` places (thousands separated); '' for a missing value."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or pd.isna(value):
        return ""
    return f"{float(value):,.{decimals}f}"


@dataclass(frozen=True)
class Column:
    """One column of a reader table.

    Parameters
    ----------
    source : column of the tidy frame; for ``kind="interval"`` a pair (lower, upper).
    label : the heading a reader sees, without the unit.
    unit : appended to the heading in brackets ("%" for ``kind="percent"`` unless given; for a number column
        of an indicator (the column's or the table's), the catalogue's unit).
    decimals : places shown; None takes the catalogue's ``decimals`` for ``indicator`` (or the spec's), else 1
        (0 for counts).
    kind : "number", "count" (0 places), "percent" (a number whose unit is %), "text", "period" (old figures
        marked) or "interval" ("a to b").
    indicator : catalogue id whose decimals (and unit) the column shows.
    values : for text columns, words replaced for readers (e.g. {"Benchmark": "(benchmark)"}).
    missing : what a missing value reads as in a row that was not withheld ("[x]" by default; "" for text).
    """

    source: str | tuple[str, str]
    label: str
    unit: str | None = None
    decimals: int | None = None
    kind: Kind = "number"
    indicator: str | None = None
    values: Mapping[str, str] | None = None
    missing: str | None = None

    def places(self, indicator: str | None = None) -> int:
        """Decimal places: the column's, else the catalogue's for its (or the table's) indicator, else a default."""
        if self.decimals is not None:
            return self.decimals
        if self.kind == "count":
            return 0
        indicator_id = self.indicator or indicator
        return catalog.indicator(indicator_id).decimals if indicator_id else 1

    def heading(self, indicator: str | None = None) -> str:
        """'Share of residents (%)': the label with its unit, if any."""
        unit = self.unit
        if unit is None and self.kind == "percent":
            unit = "%"
        indicator_id = self.indicator or indicator
        if unit is None and indicator_id and self.kind == "number":
            unit = catalog.indicator(indicator_id).unit
        return f"{self.label} ({unit})" if unit else self.label

    def render(self, frame: pd.DataFrame, withheld: np.ndarray, indicator: str | None = None) -> list[str]:
        """The column's cells as text: numbers rounded, blanks as ``[c]`` (withheld row) or ``[x]``."""
        blank = [disclosure.SUPPRESSED if w else self._missing() for w in withheld]
        if self.kind == "interval":
            lower, upper = (frame[c] for c in self.source)
            d = self.places(indicator)
            return [f"{format_number(a, d)} to {format_number(b, d)}" if pd.notna(a) and pd.notna(b) else z
                    for a, b, z in zip(lower, upper, blank)]
        values = frame[self.source]
        if self.kind == "text":
            words = self.values or {}
            return [words.get(str(v), str(v)) if _present(v) else (disclosure.SUPPRESSED if w else self._missing())
                    for v, w in zip(values, withheld)]
        if self.kind == "period":
            return [narrative.period_label(str(v)) if _present(v) else z for v, z in zip(values, blank)]
        d = self.places(indicator)
        numbers = pd.to_numeric(values, errors="coerce")
        return [format_number(v, d) if pd.notna(v) else z for v, z in zip(numbers, blank)]

    def _missing(self) -> str:
        if self.missing is not None:
            return self.missing
        return "" if self.kind == "text" else disclosure.NOT_AVAILABLE


def _present(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and str(value) != ""


@dataclass(frozen=True)
class TableSpec:
    """The columns a reader sees, in order; ``indicator`` gives the decimals of columns that name none."""

    columns: Sequence[Column] = field(default_factory=tuple)
    indicator: str | None = None

    def headings(self) -> list[str]:
        return [c.heading(self.indicator) for c in self.columns]

    def render(self, frame: pd.DataFrame) -> pd.DataFrame:
        """The reader's table: text cells under human headings, ``[c]`` where the row was withheld.

        Rows are withheld when flagged ``suppressed`` or noted "[c]" (:func:`nbutils.disclosure.is_suppressed`).
        """
        withheld = disclosure.is_suppressed(frame) if len(frame) else np.zeros(0, dtype=bool)
        data = {heading: column.render(frame, withheld, self.indicator)
                for heading, column in zip(self.headings(), self.columns)}
        return pd.DataFrame(data, index=range(len(frame)))

    def styler(self, frame: pd.DataFrame):
        """The same table for an analyst: numbers kept (sortable, reusable), shown rounded under the headings.

        Returns a :class:`pandas.io.formats.style.Styler` of the spec's single-column sources (intervals left
        out); ``.data`` is the numeric frame.
        """
        columns = [c for c in self.columns if isinstance(c.source, str)]
        data = frame[[c.source for c in columns]].set_axis([c.heading(self.indicator) for c in columns], axis=1)
        formats = {c.heading(self.indicator): (lambda v, d=c.places(self.indicator): format_number(v, d)
                                               or disclosure.NOT_AVAILABLE)
                   for c in columns if c.kind in ("number", "count", "percent")}
        return data.style.format(formats).hide(axis="index")


def _cell(value, withheld: bool, decimals: int) -> str:
    if pd.notna(value):
        return format_number(value, decimals)
    return disclosure.SUPPRESSED if withheld else disclosure.NOT_AVAILABLE


def by_period(frame: pd.DataFrame, decimals: int | None = None, indicator: str | None = None,
              label: str = "Area", row: str = "area_name", role_order: Mapping[str, int] | None = None
              ) -> pd.DataFrame:
    """A time series as readers see it: one row per area (in role order), periods across, oldest first.

    Columns are period labels (old periods marked); cells are values at ``decimals`` (else the catalogue's for
    ``indicator``, else the frame's ``indicator_id``), ``[c]`` where the store withheld the row, ``[x]`` where no
    value was published.
    """
    if decimals is None:
        ids = indicator or (frame.indicator_id.dropna().iloc[0] if "indicator_id" in frame and
                            frame.indicator_id.notna().any() else None)
        decimals = catalog.indicator(ids).decimals if ids else 1
    data = frame.assign(period=frame.period.astype(str), withheld_=disclosure.is_suppressed(frame))
    data = data.sort_values("period", key=lambda s: s.map(periods.sort_key), kind="stable")
    columns = list(dict.fromkeys(data.period))
    if role_order and "role" in data:
        data = data.sort_values("role", key=lambda s: s.map(role_order).fillna(99), kind="stable")
    names = list(dict.fromkeys(data[row]))
    cells = {}
    for name, period, v, withheld in zip(data[row], data.period, data.value, data.withheld_):
        # First value wins, as a pivot with aggfunc="first" would.
        cells.setdefault((name, period), _cell(v, withheld, decimals))
    out = pd.DataFrame({label: names})
    for p in columns:
        out[narrative.period_label(p)] = [cells.get((n, p), disclosure.NOT_AVAILABLE) for n in names]
    return out


def across(frame: pd.DataFrame, index: str, value: str, decimals: int = 1, label: str | None = None,
           columns: str = "area_name", role_order: Mapping[str, int] | None = None) -> pd.DataFrame:
    """Categories down, comparison areas across (in role order), values at ``decimals``; blanks ``[c]``/``[x]``."""
    data = frame.assign(withheld_=disclosure.is_suppressed(frame))
    if role_order and "role" in data:
        data = data.sort_values("role", key=lambda s: s.map(role_order).fillna(99), kind="stable")
    areas = list(dict.fromkeys(data[columns]))
    rows = list(dict.fromkeys(frame[index]))
    cells = {}
    for key_row, key_area, v, withheld in zip(data[index], data[columns], data[value], data.withheld_):
        cells.setdefault((key_row, key_area), _cell(v, withheld, decimals))
    out = pd.DataFrame({label or index.replace("_", " ").capitalize(): [str(r) for r in rows]})
    for a in areas:
        out[a] = [cells.get((r, a), disclosure.NOT_AVAILABLE) for r in rows]
    return out


# ----------------------------------------------------------------------------------------------- CSV writer
#: Value-like columns rounded to the catalogue's decimals of each row's ``indicator_id`` when no reader column
#: states their precision: the value, its limits, and the comparators' values beside it (scorecard, dashboard).
INDICATOR_VALUE_COLUMNS = ("value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "county", "region",
                           "england", "benchmark_value", "previous_value", "share_pct")
#: Prefixes of further comparator-value columns (districts_min, neighbours_mean...); counts of areas are not values.
INDICATOR_VALUE_PREFIXES = ("districts_", "england_districts_", "own_districts_", "neighbours_")
_AREA_COUNTS = ("_reporting", "_total", "_with_value")
#: Significant digits kept for a number whose precision nothing states (a derived estimate, a share): as precise as
#: any figure the pages show, and never the full precision from which a count could be worked back
#: (10.561522199999999 is written 10.5615).
SIGNIFICANT_DIGITS = 6
#: ...and never more decimal places than this, for values of 0.0001 or more (a 0.0617297% share is 0.06173%).
MAX_DECIMALS = 6
#: First characters that make a spreadsheet read a cell as a formula (OWASP CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_MARKERS = (disclosure.SUPPRESSED, disclosure.NOT_AVAILABLE)


def spec_decimals(spec: TableSpec | None = None, formats: Mapping[str, str] | None = None) -> dict[str, int]:
    """Decimal places by tidy-frame column that a reader table states: a spec's number columns (both limits of
    an interval) or ``str.format`` patterns such as ``"{:,.1f}"``."""
    places: dict[str, int] = {}
    for column in (spec.columns if spec is not None else ()):
        if column.kind in ("number", "count", "percent", "interval"):
            sources = column.source if isinstance(column.source, tuple) else (column.source,)
            places.update(dict.fromkeys(sources, column.places(spec.indicator)))
    for name, pattern in (formats or {}).items():
        found = re.search(r"\.(\d+)[f%]", pattern)
        if found:
            places[name] = int(found.group(1)) + (2 if pattern.rstrip("}").endswith("%") else 0)
    return places


def analysis_ready(frame: pd.DataFrame, decimals: Mapping[str, int] | None = None,
                   note_col: str = "value_note") -> pd.DataFrame:
    """A table for an analyst: numeric columns numeric (missing or withheld = NaN), the reason in ``note_col``.

    Cells holding a marker (``[c]`` withheld, ``[x]`` not available) become NaN, columns that then hold only
    numbers become numeric, and every number is rounded to its stated precision: ``decimals`` by column, else
    the catalogue's decimals for each row's ``indicator_id`` (value and confidence limits), else
    :data:`SIGNIFICANT_DIGITS` significant digits (at most :data:`MAX_DECIMALS` places). ``note_col`` (added if
    absent) says why on every row with a missing cell, as the CSV does; :func:`write_csv` writes the markers back.

    >>> t = analysis_ready(pd.DataFrame({"area": ["Swale", "Kent"], "value": [10.561522199999999, "[x]"]}),
    ...                    {"value": 1})
    >>> t.value.tolist(), t.value_note.tolist()
    ([10.6, nan], ['', '[x] not available: not published in the source held here'])
    """
    out = frame.copy()
    withheld = pd.Series(False, index=out.index)
    for name in out.columns:
        column = out[name]
        if column.dtype == object and name != note_col:
            marks = column.isin(_MARKERS)
            if not marks.any():
                if _all_numbers(column):  # numbers in an object column (a concat with an empty frame)
                    out[name] = pd.to_numeric(column)
                continue
            withheld |= column.eq(disclosure.SUPPRESSED)
            column = column.mask(marks)
            # A column of numbers with markers for the missing ones (a rendered column) becomes numeric again.
            numbers = pd.to_numeric(column, errors="coerce")
            if numbers.notna().sum() == column.notna().sum() and not _textual(column):
                column = numbers
            out[name] = column
    if withheld.any():  # a "[c]" cell handed over as text: say so in the note, as disclosure.apply would
        notes = out[note_col].fillna("").astype(str) if note_col in out else pd.Series("", index=out.index)
        out[note_col] = notes.where(~withheld | notes.str.startswith(disclosure.SUPPRESSED),
                                    disclosure.SUPPRESSED + " suppressed (disclosure control)")
    out = _rounded(out, dict(decimals or {}))
    return out.assign(**{note_col: disclosure.csv_notes(out, note_col).fillna("").astype(str)})


def _all_numbers(column: pd.Series) -> bool:
    present = column.dropna()
    return bool(len(present)) and present.map(
        lambda v: isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)).all()


def _textual(column: pd.Series) -> bool:
    """A column of words that happen to parse as numbers (codes such as '001') stays text."""
    text = column.dropna()
    return bool(len(text)) and text.map(lambda v: isinstance(v, str) and v[:1] == "0" and v[1:2].isdigit()).any()


def _rounded(frame: pd.DataFrame, decimals: dict[str, int]) -> pd.DataFrame:
    for name in frame.columns:
        column = frame[name]
        if not pd.api.types.is_float_dtype(column):
            continue
        if name in decimals:
            frame[name] = column.round(decimals[name])
        elif _indicator_valued(name) and "indicator_id" in frame:
            places = frame["indicator_id"].map(_catalogue_decimals)
            frame[name] = [_significant(v) if pd.isna(d) else round(v, int(d)) for v, d in zip(column, places)]
        else:
            frame[name] = column.map(_significant)
    return frame


def _indicator_valued(name: str) -> bool:
    return name in INDICATOR_VALUE_COLUMNS or (name.startswith(INDICATOR_VALUE_PREFIXES)
                                               and not name.endswith(_AREA_COUNTS))


def _catalogue_decimals(indicator_id) -> float:
    try:
        return catalog.indicator(str(indicator_id)).decimals
    except Exception:  # an id the catalogue does not hold (a local series): its own precision is kept
        return math.nan


def _significant(value: float) -> float:
    if pd.isna(value) or value == 0:
        return value
    value = float(f"{value:.{SIGNIFICANT_DIGITS}g}")
    # A tiny value (a probability, say) keeps its significant digits rather than being rounded towards 0.
    return round(value, MAX_DECIMALS) if abs(value) >= 10 ** (2 - MAX_DECIMALS) else value


def neutralise(cell):
    """A text cell that a spreadsheet would run as a formula, prefixed with ``'`` (OWASP CSV injection); numbers
    (and text that is just a number, such as ``-1.5``) are unchanged.

    >>> neutralise("=HYPERLINK(\\"http://x\\")"), neutralise("-1.5"), neutralise(-1.5), neutralise("Swale")
    ('\\'=HYPERLINK("http://x")', '-1.5', -1.5, 'Swale')
    """
    if not isinstance(cell, str) or not cell.startswith(FORMULA_STARTS):
        return cell
    if _NUMBER.fullmatch(cell):
        return cell
    return "'" + cell


_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?")


def csv_frame(frame: pd.DataFrame, note_col: str = "value_note") -> pd.DataFrame:
    """The table as its CSV holds it: markers for missing cells (:func:`nbutils.disclosure.for_csv`), every
    number as text at its precision (no float noise, whole numbers without '.0'), formula-like text neutralised."""
    out = disclosure.for_csv(frame, note_col)
    for name in out.columns:
        out[name] = [_number_text(v) if isinstance(v, (float, np.floating)) else neutralise(v) for v in out[name]]
    return out.rename(columns=neutralise)


def _number_text(value: float) -> str:
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def write_csv(frame: pd.DataFrame, path, note_col: str = "value_note") -> None:
    """Write an :func:`analysis_ready` table to ``path`` (UTF-8, no index) as :func:`csv_frame` renders it.

    Lines end CRLF (RFC 4180), so a text cell holding a carriage return or a line feed is quoted."""
    csv_frame(frame, note_col).to_csv(path, index=False, encoding="utf-8", lineterminator="\r\n")


#: Rows shown of a table limited to the area's comparison group when none of that group is in it.
GROUPLESS_ROWS = 10


def shown_rows(view: pd.DataFrame, rows: int | pd.Series | None) -> tuple[pd.DataFrame, str]:
    """The rows a page shows of a long table, and the line saying where the rest are ('' when all are shown)."""
    if rows is None:
        return view, ""
    total = len(view)
    if isinstance(rows, int):
        if total <= rows:
            return view, ""
        return view.head(rows), f"The first {rows} of {total:,} rows; every row is in the table's CSV"
    mask = pd.Series(rows).astype(bool)
    if mask.index.is_unique and view.index.is_unique and view.index.isin(mask.index).all():
        mask = mask.reindex(view.index)  # a view sorted from the frame keeps the frame's row labels
    else:
        mask = mask.reset_index(drop=True).reindex(range(total), fill_value=False)
    kept = view[mask.to_numpy()]
    if len(kept) == total:
        return view, ""
    if len(kept) == 0:  # neither the area nor its group is in the table: its first rows, never all of England
        if total <= GROUPLESS_ROWS:
            return view, ""
        return view.head(GROUPLESS_ROWS), (f"The area and its comparison group are not in this table: the first "
                                           f"{GROUPLESS_ROWS} of {total:,} rows; every row is in the CSV")
    return kept, f"{len(kept)} of {total:,} rows shown, those of the area's comparison group; every row is in the CSV"
