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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import pandas as pd

from . import catalog, disclosure, narrative, periods

Kind = Literal["number", "count", "percent", "text", "period", "interval"]

__all__ = ["Column", "TableSpec", "by_period", "across", "format_number"]


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
