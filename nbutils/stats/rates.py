"""Counts and crude rates: Byar's and exact Poisson limits (PHEindicatormethods ``phe_rate``)."""

from __future__ import annotations

import numpy as np
from scipy import special, stats

from ._common import _arr, _check_confidence, _Shape, _validate_counts, _with_limits


def _byars(x, z):
    with np.errstate(invalid="ignore", divide="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
        x1 = x + 1
        upper = x1 * (1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))) ** 3
    # PHEindicatormethods sets negative (invalid) Byar's lower limits to NA.
    lower = np.where(lower < 0, np.nan, lower)
    return lower, upper


def byars_ci(count, confidence=0.95):
    """Byar's approximate Poisson confidence interval for a count.

    As PHEindicatormethods ``byars_lower``/``byars_upper`` (Breslow & Day
    1987).  Byar's method is inaccurate for small counts: where the lower
    limit formula goes negative (or count is 0) the lower limit is NaN, as in
    the R package; use :func:`exact_poisson_ci` or :func:`rate_ci` instead.

    Parameters
    ----------
    count : scalar, array-like or Series
        Observed events, >= 0.
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper)
        Limits for the count (not scaled by any denominator).
    """
    _check_confidence("byars_ci", confidence)
    shape = _Shape(count)
    x = _arr(count)
    _validate_counts("byars_ci", x, index=shape.index)
    lower, upper = _byars(x, stats.norm.ppf(0.5 + confidence / 2))
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def _exact_poisson(x, confidence):
    """Exact (chi-square / gamma based) Poisson limits for count(s) x."""
    x = np.asarray(x, dtype=float)
    lower = np.full(x.shape, np.nan)
    upper = np.full(x.shape, np.nan)
    ok = ~np.isnan(x)
    if not ok.any():
        return lower, upper
    # Counts repeat heavily (mostly small integers), so evaluate the inverse
    # gamma once per distinct count: chi2.ppf(q, 2x)/2 == gammaincinv(x, q).
    uniq, inv = np.unique(x[ok], return_inverse=True)
    alpha = 1 - confidence
    with np.errstate(invalid="ignore", divide="ignore"):
        lo = np.where(uniq > 0, special.gammaincinv(np.where(uniq > 0, uniq, 1), alpha / 2), 0.0)
        up = special.gammaincinv(uniq + 1, 1 - alpha / 2)
    lower[ok] = lo[inv]
    upper[ok] = up[inv]
    return lower, upper


def exact_poisson_ci(count, confidence=0.95):
    """Exact Poisson confidence interval for a count.

    lower = chi2.ppf(alpha/2, 2x)/2 (0 when x = 0),
    upper = chi2.ppf(1 - alpha/2, 2x + 2)/2, as PHEindicatormethods
    ``phe_rate`` uses for counts below 10.

    Parameters
    ----------
    count : scalar, array-like or Series
    confidence : float, default 0.95

    Returns
    -------
    (lower, upper)
    """
    _check_confidence("exact_poisson_ci", confidence)
    shape = _Shape(count)
    x = _arr(count)
    _validate_counts("exact_poisson_ci", x, index=shape.index)
    lower, upper = _exact_poisson(np.atleast_1d(x), confidence)
    return shape.wrap(lower.reshape(x.shape), "lower"), shape.wrap(upper.reshape(x.shape), "upper")


def _count_ci(x, confidence):
    """Exact limits below 10 events, Byar's from 10 (the phe_rate rule)."""
    x = np.atleast_1d(np.asarray(x, dtype=float))
    lower, upper = _byars(x, stats.norm.ppf(0.5 + confidence / 2))
    small = x < 10
    if small.any():
        lo, up = _exact_poisson(x[small], confidence)
        lower[small] = lo
        upper[small] = up
    return lower, upper


def rate_ci(count, denominator, confidence=0.95, multiplier=1000):
    """Confidence interval for a crude rate (as ``phe_rate``).

    Exact Poisson limits when count < 10 (including 0), Byar's method when
    count >= 10.

    Parameters
    ----------
    count, denominator : scalar, array-like or Series
        Events (>= 0) and population/person-years (> 0).  count may exceed
        denominator (rates are not proportions).
    confidence : float, default 0.95
    multiplier : float, default 1000
        Rate per ``multiplier`` (1000 for infant mortality per 1,000 births).

    Returns
    -------
    (lower, upper)
    """
    _check_confidence("rate_ci", confidence)
    shape = _Shape(count, denominator)
    x, n = _arr(count), _arr(denominator)
    _validate_counts("rate_ci", x, n, index=shape.index)
    x, n, m = np.broadcast_arrays(x, n, _arr(multiplier))
    lower, upper = _count_ci(x.reshape(-1), confidence)
    with np.errstate(invalid="ignore"):
        scale = (m / n).reshape(-1)
        lower = (lower * scale).reshape(x.shape)
        upper = (upper * scale).reshape(x.shape)
    return shape.wrap(lower, "lower"), shape.wrap(upper, "upper")


def rate(count, denominator, confidence=0.95, multiplier=1000):
    """Crude rate with :func:`rate_ci` limits (convenience).

    Returns
    -------
    dict or pandas.DataFrame
        ``value``, ``lower``, ``upper``.
    """
    lower, upper = rate_ci(count, denominator, confidence, multiplier)
    return _with_limits(count, denominator, multiplier, lower, upper)
