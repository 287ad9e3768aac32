"""Directly standardised rates with Dobson limits, and the European Standard Population 2013
(PHEindicatormethods ``phe_dsr``).

The one file this pure package reads is the packaged ESP2013 constant table (``nbutils/data/esp2013.csv``),
the same table PHEindicatormethods ships as ``esp2013``."""

from __future__ import annotations

import functools
import math
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats

from ._common import _arr, _check_confidence, _raise_at, _validate_counts
from .rates import _byars


@functools.lru_cache(maxsize=1)
def _esp2013_cached():
    # A 19-row constant table: parsed as text, so the package needs no pandas I/O.
    text = resources.files("nbutils").joinpath("data", "esp2013.csv").read_text(encoding="utf-8")
    rows = [line.split(",") for line in text.splitlines() if line.strip() and not line.startswith("#")]
    header, body = rows[0], rows[1:]
    if header != ["age_band", "weight"]:
        raise ValueError(f"esp2013.csv: expected columns age_band,weight, found {','.join(header)}")
    return pd.Series([float(w) for _, w in body], index=pd.Index([a for a, _ in body], name="age_band"),
                     name="esp2013")


def european_standard_population():
    """European Standard Population 2013 weights.

    19 five-year age bands (0-4, 5-9, ..., 85-89, 90+) summing to 100,000.
    Source: Eurostat, Revision of the European Standard Population, 2013
    (packaged as ``nbutils/data/esp2013.csv``; identical to
    PHEindicatormethods ``esp2013``).

    Returns
    -------
    pandas.Series
        Weights indexed by age-band label, name ``"esp2013"``.
    """
    return _esp2013_cached().copy()


DSR_SMALL_COUNT_NOTE = "not calculated: fewer than 10 events"


def dsr(counts, populations, standard_weights=None, confidence=0.95, multiplier=100000,
        missing_counts_as_zero=False):
    """Directly standardised rate with Dobson confidence limits.

    As PHEindicatormethods ``phe_dsr``/``calculate_dsr`` (Byar's limits for
    the total count, Dobson et al. 1991 adjustment), for one area/period.

    Parameters
    ----------
    counts, populations : array-like or Series
        Events and populations by standardisation band, in the same order
        as ``standard_weights``.
    standard_weights : array-like or Series, optional
        Standard population; default ESP2013 (19 bands,
        :func:`european_standard_population`).
    confidence : float, default 0.95
    multiplier : float, default 100000
    missing_counts_as_zero : bool, default False
        PHEindicatormethods treats a missing band count as 0 events.  By
        default a missing count makes the result missing (NaN) instead;
        set True to reproduce the R behaviour.

    Returns
    -------
    dict
        ``value``, ``lower``, ``upper``, ``total_count``, ``total_population``,
        ``confidence`` and ``note`` (empty when calculated; otherwise why not,
        e.g. "not calculated: fewer than 10 events").
    """
    _check_confidence("dsr", confidence)
    x = np.atleast_1d(_arr(counts)).astype(float)
    n = np.atleast_1d(_arr(populations)).astype(float)
    w = (european_standard_population().to_numpy() if standard_weights is None
         else np.atleast_1d(_arr(standard_weights)).astype(float))
    if not (len(x) == len(n) == len(w)):
        raise ValueError(
            f"dsr: counts ({len(x)}), populations ({len(n)}) and standard weights ({len(w)}) "
            "must have the same number of bands"
            + ("; the default standard is ESP2013 with 19 age bands" if standard_weights is None
               else "")
        )
    index = counts.index if isinstance(counts, pd.Series) else None
    _validate_counts("dsr", x, n, index=index, denominator_name="population")
    with np.errstate(invalid="ignore"):
        _raise_at("dsr", w < 0, "standard weight ({w}) is negative", {"w": w}, None,
                  "standard population weights must be >= 0")
    if missing_counts_as_zero:
        x = np.where(np.isnan(x), 0.0, x)
    total = float(np.sum(x))
    result = {"value": np.nan, "lower": np.nan, "upper": np.nan, "total_count": total,
              "total_population": float(np.sum(n)), "confidence": confidence, "note": ""}
    if np.isnan(x).any() or np.isnan(n).any() or np.isnan(w).any():
        result["note"] = "not calculated: missing count, population or weight"
        return result
    if total < 10:
        # Fingertips does not publish DSRs on fewer than 10 events: unreliable.
        result["note"] = DSR_SMALL_COUNT_NOTE
        return result
    sw = w.sum()
    value = np.sum(x * w / n) / sw
    var = np.sum(x * (w / n) ** 2) / sw**2
    blo, bup = _byars(np.array([total]), stats.norm.ppf(0.5 + confidence / 2))
    scale = math.sqrt(var / total)
    result["value"] = float(value * multiplier)
    result["lower"] = float((value + scale * (blo[0] - total)) * multiplier)
    result["upper"] = float((value + scale * (bup[0] - total)) * multiplier)
    return result
