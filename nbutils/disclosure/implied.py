"""Rates published without counts: the events a rate implies, and withholding rates implying fewer than 3."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .primary import DEFAULT_DERIVED_COLS, WITHHELD_NOTE, _numeric


#: Note for a rate withheld because it implies fewer than 3 events.
IMPLIED_NOTE = WITHHELD_NOTE

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

