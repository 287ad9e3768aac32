"""Shared input handling for :mod:`nbutils.stats`: confidence levels, polarity, container shapes, validation."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

_POLARITY_ALIASES = {
    "high-is-good": "high-is-good",
    "higher is better": "high-is-good",
    "rag - high is good": "high-is-good",
    "high is good": "high-is-good",
    "low-is-good": "low-is-good",
    "lower is better": "low-is-good",
    "rag - low is good": "low-is-good",
    "low is good": "low-is-good",
    "no-judgement": "no-judgement",
    "no judgement": "no-judgement",
    "not applicable": "no-judgement",
    "bob - blue orange blue": "no-judgement",
    "rag - no judgement": "no-judgement",
}


def z_value(confidence=0.95):
    """Two-sided standard normal quantile for a confidence level.

    Parameters
    ----------
    confidence : float
        Confidence level, 0 < confidence < 1 (0.95 -> 1.959964,
        0.998 -> 3.090232).

    Returns
    -------
    float
    """
    _check_confidence("z_value", confidence)
    return float(stats.norm.ppf(0.5 + confidence / 2))


def _check_confidence(fn, confidence):
    try:
        ok = 0 < float(confidence) < 1
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise ValueError(
            f"{fn}: confidence ({confidence!r}) must be a level strictly between 0 and 1, "
            "e.g. 0.95 or 0.998"
        )


def _fmt(v):
    """Format a number for an error message (12.0 -> '12')."""
    if isinstance(v, (float, np.floating)) and float(v).is_integer():
        return str(int(v))
    return f"{v:g}" if isinstance(v, (float, np.floating)) else str(v)


class _Shape:
    """Remembers the container type of the inputs so outputs match it."""

    def __init__(self, *args):
        self.index = None
        self.scalar = True
        for a in args:
            if a is None:
                continue
            if isinstance(a, pd.Series):
                if self.index is None:
                    self.index = a.index
                self.scalar = False
            elif np.ndim(a) > 0:
                self.scalar = False

    def wrap(self, arr, name=None, dtype=None):
        arr = np.asarray(arr)
        if self.scalar:
            v = arr.reshape(-1)[0] if arr.size else np.nan
            if dtype is object or isinstance(v, str):
                return v
            return float(v)
        if self.index is not None:
            return pd.Series(arr, index=self.index, name=name, dtype=dtype)
        return arr


def _arr(x):
    """Float ndarray from scalar/list/array/Series (None -> NaN); pd.NA -> NaN."""
    if x is None:
        return np.array(np.nan)
    if isinstance(x, pd.Series):
        return pd.to_numeric(x, errors="raise").to_numpy(dtype=float, na_value=np.nan)
    return np.asarray(x, dtype=float)


def _raise_at(fn, mask, template, values, index=None, hint=""):
    """Raise ValueError for the first offending position and count the rest.

    ``template`` is formatted with the offending element's values (a dict of
    name -> array), e.g. "count ({count}) is negative".
    """
    mask = np.atleast_1d(mask)
    pos = np.flatnonzero(mask)
    if pos.size == 0:
        return
    p = int(pos[0])
    vals = {k: _fmt(np.atleast_1d(np.broadcast_to(v, mask.shape))[p]) for k, v in values.items()}
    where = f"position {p}"
    if index is not None and not isinstance(index, pd.RangeIndex):
        where += f" (index {index[p]!r})"
    msg = f"{fn}: {template.format(**vals)} at {where}"
    if pos.size > 1:
        others = ", ".join(str(int(q)) for q in pos[1:6])
        more = "" if pos.size <= 6 else ", ..."
        msg += f" (also at position(s) {others}{more}; {pos.size} in total)"
    if hint:
        msg += f"; {hint}"
    raise ValueError(msg)


def _validate_counts(fn, x, n=None, *, proportion=False, index=None,
                     count_name="count", denominator_name="denominator"):
    """Validate counts/denominators; NaNs are allowed (they propagate)."""
    with np.errstate(invalid="ignore"):
        _raise_at(fn, x < 0, f"{count_name} ({{x}}) is negative", {"x": x}, index,
                  f"{count_name}s must be >= 0")
        if n is not None:
            shape = np.broadcast(x, n).shape
            nb = np.broadcast_to(n, shape)
            _raise_at(fn, nb <= 0, f"{denominator_name} ({{n}}) is zero or negative", {"n": nb},
                      index, f"a {denominator_name} must be > 0")
            if proportion:
                xb = np.broadcast_to(x, shape)
                _raise_at(fn, xb > nb,
                          f"{count_name} ({{x}}) is greater than {denominator_name} ({{n}})",
                          {"x": xb, "n": nb}, index,
                          f"a proportion needs {count_name} <= {denominator_name}")


# --------------------------------------------------------------------------
# Standard population


def _polarity(polarity):
    key = str(polarity).strip().lower()
    if key not in _POLARITY_ALIASES:
        raise ValueError(
            f"unknown polarity {polarity!r}; use 'high-is-good', 'low-is-good' or 'no-judgement'"
        )
    return _POLARITY_ALIASES[key]


def _with_limits(count, denominator, multiplier, lower, upper):
    """The statistic (count / denominator x multiplier) with its limits: a dict for scalar input, else a DataFrame
    with the input Series' index (shared by :func:`proportion` and :func:`rate`)."""
    shape = _Shape(count, denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = _arr(count) / _arr(denominator) * _arr(multiplier)
    if shape.scalar:
        return {"value": float(value), "lower": lower, "upper": upper}
    value = np.broadcast_to(value, np.shape(lower))
    return pd.DataFrame({"value": value, "lower": np.asarray(lower), "upper": np.asarray(upper)},
                        index=shape.index)

