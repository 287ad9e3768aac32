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

Every copy of one statistic (catalogue ``statistic``) is controlled together, over the union of what the copies
show, with values rounded to the published decimals first (:func:`control_statistic`, in
:mod:`.cross_source`). Every withheld cell carries the same note (:data:`WITHHELD_NOTE`), whatever withheld it.

Modules: :mod:`.primary` (count rules, rendering), :mod:`.implied` (rates without counts),
:mod:`.complementary` (totals minus members), :mod:`.cross_source` (one statistic, all its copies).

Design: suppressed numeric cells become NaN (columns stay numeric), a boolean
``suppressed`` column marks the rows and ``value_note`` says why.
:func:`for_output` then shows "[c]" (ONS convention: confidential) for a
suppressed cell and "[x]" for a genuinely unavailable one, so a blank never
reads as zero.
"""

from .complementary import COMPLEMENT_NOTE, complementary_suppression
from .cross_source import (VALUE_COLUMNS, Copy, control_statistic, period_years, pinned_count,
                           recoverable_windows, round_published)
from .implied import IMPLIED_EVENTS_THRESHOLD, IMPLIED_NOTE, implied_events, suppress_implied_events
from .primary import (DEFAULT_DERIVED_COLS, FOOTNOTES, NOT_AVAILABLE, RULES, SUPPRESSED, WITHHELD_NOTE,
                      DisclosureError, Rule, apply, check_no_small_counts, csv_notes, display, footnote,
                      for_csv, for_output, is_suppressed)

__all__ = [
    "SUPPRESSED", "NOT_AVAILABLE", "WITHHELD_NOTE", "RULES", "Rule", "FOOTNOTES", "DEFAULT_DERIVED_COLS",
    "DisclosureError", "apply", "for_output", "display", "footnote", "check_no_small_counts", "COMPLEMENT_NOTE",
    "IMPLIED_NOTE", "IMPLIED_EVENTS_THRESHOLD", "implied_events", "suppress_implied_events",
    "complementary_suppression", "is_suppressed", "for_csv", "csv_notes", "VALUE_COLUMNS", "Copy",
    "control_statistic", "period_years", "pinned_count", "recoverable_windows", "round_published",
]
