"""Statistical process control: XmR charts with NHS "Making Data Count" special-cause rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ._common import _arr, _polarity


#: Variation labels produced by :func:`spc` (NHS "Making Data Count").
SPECIAL_CAUSE_LABELS = (
    "Special cause - improvement",
    "Special cause - concern",
    "Special cause - neither",
    "Common cause",
    "Cannot be calculated",
)


def _runs(mask, length):
    """Mark every element belonging to a run of >= length True values."""
    out = np.zeros(mask.shape, dtype=bool)
    start = None
    for i, m in enumerate(list(mask) + [False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            if i - start >= length:
                out[start:i] = True
            start = None
    return out


def spc(values, polarity="no-judgement", baseline=None, run_length=7, trend_length=7):
    """XmR (individuals) control chart with special-cause flags.

    NHS England "Making Data Count": centre line = mean; limits =
    mean +/- 2.66 x mean moving range; sigma = mean moving range / 1.128.
    Special-cause rules (a point may meet several):

    * ``astronomical``: outside the process limits;
    * ``shift``: part of a run of ``run_length`` (7) or more points on the
      same side of the mean (a point on the mean breaks the run);
    * ``trend``: part of ``trend_length`` (7) or more consecutive points
      each higher (or each lower) than the one before;
    * ``two_in_three``: beyond 2 sigma, with at least one other of any three
      consecutive points beyond 2 sigma on the same side (only the points
      beyond 2 sigma are flagged).

    Parameters
    ----------
    values : array-like or Series
        Oldest first.  Any missing value gives missing limits and
        "Cannot be calculated" (the chart is not calculable).
    polarity : {"high-is-good", "low-is-good", "no-judgement"}
        Used for the ``variation`` column (improvement / concern).
    baseline : int, optional
        Number of leading points used to fix mean and limits (default: all).
    run_length, trend_length : int, default 7

    Returns
    -------
    pandas.DataFrame
        value, mean, upper, lower, moving_range, astronomical, shift, trend,
        two_in_three, special_cause (bool), special_cause_type (";"-joined
        rule names with direction, e.g. "astronomical high; shift high"),
        variation (one of :data:`SPECIAL_CAUSE_LABELS`).
    """
    pol = _polarity(polarity)
    index = values.index if isinstance(values, pd.Series) else None
    y = np.atleast_1d(_arr(values)).astype(float)
    n = len(y)
    mr = np.full(n, np.nan)
    if n > 1:
        mr[1:] = np.abs(np.diff(y))
    frame = pd.DataFrame({"value": y, "moving_range": mr}, index=index)
    flags = ("astronomical", "shift", "trend", "two_in_three")
    if n < 2 or np.isnan(y).any():
        for col in ("mean", "upper", "lower"):
            frame[col] = np.nan
        for f in flags:
            frame[f] = False
        frame["special_cause"] = False
        frame["special_cause_type"] = ""
        frame["variation"] = "Cannot be calculated"
        return frame[["value", "mean", "upper", "lower", "moving_range", *flags,
                      "special_cause", "special_cause_type", "variation"]]
    b = n if baseline is None else int(baseline)
    mean = y[:b].mean()
    mrbar = np.nanmean(mr[1:b]) if b > 1 else np.nan
    upper, lower = mean + 2.66 * mrbar, mean - 2.66 * mrbar
    sigma = mrbar / 1.128

    high_ast, low_ast = y > upper, y < lower
    above, below = y > mean, y < mean
    shift_hi, shift_lo = _runs(above, run_length), _runs(below, run_length)
    # A trend of k points is k-1 consecutive increases; flag all k points.
    inc = np.zeros(n, dtype=bool)
    dec = np.zeros(n, dtype=bool)
    d = np.diff(y)
    inc_steps, dec_steps = _runs(d > 0, trend_length - 1), _runs(d < 0, trend_length - 1)
    inc[1:] |= inc_steps
    inc[:-1] |= inc_steps
    dec[1:] |= dec_steps
    dec[:-1] |= dec_steps
    beyond_hi, beyond_lo = y > mean + 2 * sigma, y < mean - 2 * sigma
    tt_hi = np.zeros(n, dtype=bool)
    tt_lo = np.zeros(n, dtype=bool)
    for i in range(max(n - 2, 0)):
        for beyond, tgt in ((beyond_hi, tt_hi), (beyond_lo, tt_lo)):
            w = beyond[i:i + 3]
            if w.sum() >= 2:
                tgt[i:i + 3] |= w

    types, variation = [], []
    for i in range(n):
        parts = []
        hi = lo = False
        for name, h, l_ in (("astronomical", high_ast, low_ast), ("shift", shift_hi, shift_lo),
                            ("trend", inc, dec), ("two_in_three", tt_hi, tt_lo)):
            if h[i]:
                parts.append(f"{name} {'increasing' if name == 'trend' else 'high'}")
                hi = True
            if l_[i]:
                parts.append(f"{name} {'decreasing' if name == 'trend' else 'low'}")
                lo = True
        types.append("; ".join(parts))
        if not parts:
            variation.append("Common cause")
        elif pol == "no-judgement" or (hi and lo):
            variation.append("Special cause - neither")
        else:
            good = hi == (pol == "high-is-good")
            variation.append("Special cause - improvement" if good else "Special cause - concern")

    frame["mean"] = mean
    frame["upper"] = upper
    frame["lower"] = lower
    frame["astronomical"] = high_ast | low_ast
    frame["shift"] = shift_hi | shift_lo
    frame["trend"] = inc | dec
    frame["two_in_three"] = tt_hi | tt_lo
    frame["special_cause"] = frame[list(flags)].any(axis=1)
    frame["special_cause_type"] = types
    frame["variation"] = variation
    return frame[["value", "mean", "upper", "lower", "moving_range", *flags,
                  "special_cause", "special_cause_type", "variation"]]
