"""Fingertips "recent trend" markers: chi-square test for trend or weighted regression, with the drop-one rule."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._common import _arr, _polarity, _validate_counts, z_value
from .rates import rate_ci


#: Recent-trend labels produced by :func:`recent_trend`.
TREND_LABELS = (
    "Increasing and getting better",
    "Increasing and getting worse",
    "Decreasing and getting better",
    "Decreasing and getting worse",
    "Increasing",
    "Decreasing",
    "No significant change",
    "Cannot be calculated",
)


# chi-square(1 df) critical value at 99.8% two-sided = 3.0902323^2.
TREND_CRITICAL_VALUE = float(stats.chi2.ppf(0.998, 1))


def _trend_proportion(t, r, n):
    """Chi-square test for linear trend in proportions (Cochran-Armitage)."""
    N, R = n.sum(), r.sum()
    p = R / N
    tbar = np.sum(n * t) / N
    sxx = np.sum(n * (t - tbar) ** 2)
    num = np.sum(r * (t - tbar))
    slope = num / sxx
    denom = p * (1 - p) * sxx
    stat = num**2 / denom if denom > 0 else 0.0
    return slope, stat


def _trend_wls(t, y, var):
    """Weighted least squares slope of y on t, weights 1/var, and its chi-square."""
    w = 1 / var
    tbar = np.sum(w * t) / w.sum()
    ybar = np.sum(w * y) / w.sum()
    sxx = np.sum(w * (t - tbar) ** 2)
    slope = np.sum(w * (t - tbar) * (y - ybar)) / sxx
    return slope, slope**2 * sxx


def recent_trend(values=None, counts=None, denominators=None, lower=None, upper=None,
                 polarity="no-judgement", method="proportion", multiplier=100,
                 ci_confidence=0.95, times=None, detail=False):
    """Fingertips "recent trend" marker over the last five points.

    * ``method="proportion"``: chi-square test for linear trend
      (Cochran-Armitage) on ``counts``/``denominators``.
    * otherwise (``"rate"``, ``"other"``): weighted least squares regression
      of value on time, weights 1/variance with
      variance = ((upper - lower) / (2 z))^2, z for ``ci_confidence``.  For
      ``method="rate"`` the limits may be omitted and derived from
      counts/denominators with :func:`rate_ci`.

    The statistic (slope^2 / var(slope), chi-square 1 df) is significant
    above 9.5495 (99.8% two-sided, 3.0902^2).  To stop one point driving the
    marker, each of the five points is dropped in turn and the slope of every
    four-point subset must have the same sign as the five-point slope;
    otherwise "No significant change".

    Parameters
    ----------
    values, counts, denominators, lower, upper : array-like, optional
        Oldest first; only the last five points are used.
    polarity : {"high-is-good", "low-is-good", "no-judgement"}
    method : {"proportion", "rate", "other"}
    multiplier : float, default 100
        Scale of ``values``/limits (and of the reported slope).
    ci_confidence : float, default 0.95
        Level of the supplied limits.
    times : array-like, optional
        Time of each point; default equally spaced 0, 1, 2, ...
    detail : bool, default False
        Return a dict (label, statistic, slope per time unit on the
        ``multiplier`` scale, significant, consistent, subset_slopes,
        n_points) instead of the label alone.

    Returns
    -------
    str or dict
        One of :data:`TREND_LABELS`.  Fewer than five points or any missing
        value among the last five gives "Cannot be calculated".
    """
    pol = _polarity(polarity)
    if method not in ("proportion", "rate", "other"):
        raise ValueError(f"recent_trend: unknown method {method!r}; use 'proportion', 'rate' or 'other'")

    def last5(a):
        return None if a is None else np.atleast_1d(_arr(a))[-5:]

    def out(label, **info):
        if not detail:
            return label
        base = {"label": label, "statistic": np.nan, "slope": np.nan, "significant": False,
                "consistent": False, "subset_slopes": None, "n_points": n_points}
        base.update(info)
        return base

    if method == "proportion":
        if counts is None or denominators is None:
            raise ValueError("recent_trend: method='proportion' needs counts and denominators")
        r, n = last5(counts), last5(denominators)
        n_points = min(len(np.atleast_1d(_arr(counts))), len(np.atleast_1d(_arr(denominators))))
        if len(r) != len(n):
            raise ValueError("recent_trend: counts and denominators differ in length")
        if len(r) < 5 or np.isnan(r).any() or np.isnan(n).any():
            return out("Cannot be calculated")
        _validate_counts("recent_trend", r, n, proportion=True)
        t = np.arange(5.0) if times is None else last5(times)

        def fit(idx):
            return _trend_proportion(t[idx], r[idx], n[idx])
        scale = multiplier
    else:
        if lower is None or upper is None:
            if method == "rate" and counts is not None and denominators is not None:
                c, d = last5(counts), last5(denominators)
                if len(c) < 5 or np.isnan(c).any() or np.isnan(d).any():
                    n_points = len(c)
                    return out("Cannot be calculated")
                lower, upper = rate_ci(c, d, ci_confidence, multiplier)
                if values is None:
                    values = c / d * multiplier
            else:
                raise ValueError(
                    "recent_trend: needs values with lower and upper limits "
                    "(or counts and denominators for method='rate')"
                )
        if values is None:
            raise ValueError("recent_trend: values are required for method 'rate'/'other'")
        y, lo, up = last5(values), last5(lower), last5(upper)
        n_points = len(np.atleast_1d(_arr(values)))
        if not (len(y) == len(lo) == len(up)):
            raise ValueError("recent_trend: values, lower and upper differ in length")
        if len(y) < 5 or np.isnan(y).any() or np.isnan(lo).any() or np.isnan(up).any():
            return out("Cannot be calculated")
        var = ((up - lo) / (2 * z_value(ci_confidence))) ** 2
        if (var <= 0).any():
            return out("Cannot be calculated")
        t = np.arange(5.0) if times is None else last5(times)

        def fit(idx):
            return _trend_wls(t[idx], y[idx], var[idx])
        scale = 1.0

    slope, stat = fit(np.arange(5))
    subsets = [fit(np.delete(np.arange(5), k))[0] for k in range(5)]
    significant = bool(stat > TREND_CRITICAL_VALUE) and slope != 0
    consistent = bool(all(np.sign(s) == np.sign(slope) for s in subsets)) and slope != 0
    info = {"statistic": float(stat), "slope": float(slope * scale), "significant": significant,
            "consistent": consistent, "subset_slopes": [float(s * scale) for s in subsets]}
    if not (significant and consistent):
        return out("No significant change", **info)
    increasing = slope > 0
    if pol == "no-judgement":
        label = "Increasing" if increasing else "Decreasing"
    else:
        better = increasing == (pol == "high-is-good")
        label = ("Increasing" if increasing else "Decreasing") + \
            (" and getting better" if better else " and getting worse")
    return out(label, **info)


# ------------------------------------------------------------------------------------------------ two periods

#: What a page says about the change between two periods when no counts are published to test it.
CHANGE_NOT_TESTED = "Change not tested: no counts published"


def change_between(previous_count, previous_denominator, latest_count, latest_denominator,
                   polarity="no-judgement", method="proportion", confidence=0.95) -> dict:
    """Test the change between two periods and say it in words only a test can justify.

    * ``method="proportion"``: two-sample test of proportions (pooled z-test, the chi-square test of the 2 x 2
      table without continuity correction);
    * ``method="rate"``: events as Poisson counts, compared by the exact conditional test (given both periods'
      events, the latest period's share is binomial with p = its share of the denominators).

    Without both counts and denominators the change is not tested: the label is :data:`CHANGE_NOT_TESTED`
    and never "getting better/worse".

    Returns
    -------
    dict
        ``label`` ("Significantly up (getting worse)", "No significant change", ...), ``tested``,
        ``significant``, ``p_value``, ``direction`` ("up", "down", "same" or "").
    """
    pol = _polarity(polarity)
    values = [previous_count, previous_denominator, latest_count, latest_denominator]
    if any(v is None or not np.isfinite(float(v)) for v in values) or min(values[1], values[3]) <= 0:
        return {"label": CHANGE_NOT_TESTED, "tested": False, "significant": False, "p_value": np.nan,
                "direction": ""}
    c0, d0, c1, d1 = (float(v) for v in values)
    if method == "proportion":
        pooled = (c0 + c1) / (d0 + d1)
        se = np.sqrt(pooled * (1 - pooled) * (1 / d0 + 1 / d1))
        p_value = 1.0 if se == 0 else float(2 * stats.norm.sf(abs(c1 / d1 - c0 / d0) / se))
    elif method == "rate":
        total = int(round(c0 + c1))
        p_value = 1.0 if total == 0 else float(stats.binomtest(int(round(c1)), total, d1 / (d0 + d1)).pvalue)
    else:
        raise ValueError(f"change_between: unknown method {method!r}; use 'proportion' or 'rate'")
    r0, r1 = c0 / d0, c1 / d1
    direction = "same" if r1 == r0 else ("up" if r1 > r0 else "down")
    significant = p_value < 1 - confidence and direction != "same"
    if not significant:
        label = "No significant change"
    else:
        label = f"Significantly {direction}"
        if pol != "no-judgement":
            better = (direction == "up") == (pol == "high-is-good")
            label += " (getting better)" if better else " (getting worse)"
    return {"label": label, "tested": True, "significant": bool(significant), "p_value": p_value,
            "direction": direction}
