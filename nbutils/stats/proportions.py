"""Proportions with Wilson score limits (PHEindicatormethods ``phe_proportion``)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._common import _arr, _check_confidence, _Shape, _validate_counts, _with_limits


def wilson_ci(count, denominator, confidence=0.95, multiplier=100):
    """Wilson score confidence interval for a proportion.

    Same formula as PHEindicatormethods ``wilson_lower``/``wilson_upper``
    (used by ``phe_proportion``): Wilson (1927), Newcombe & Altman (2000).

    Parameters
    ----------
    count, denominator : scalar, array-like or Series
        Numerator (0 <= count <= denominator) and denominator (> 0).
    confidence : float, default 0.95
    multiplier : float, default 100
        Scale of the result (100 = percentage, 1 = proportion).

    Returns
    -------
    (lower, upper)
        Same container type as the inputs.
    """
    _check_confidence("wilson_ci", confidence)
    shape = _Shape(count, denominator)
    x, n = _arr(count), _arr(denominator)
    _validate_counts("wilson_ci", x, n, proportion=True, index=shape.index)
    z = stats.norm.ppf(0.5 + confidence / 2)
    z2 = z * z
    with np.errstate(invalid="ignore", divide="ignore"):
        root = z * np.sqrt(z2 + 4 * x * (1 - x / n))
        den = 2 * (n + z2)
        lower = (2 * x + z2 - root) / den
        upper = (2 * x + z2 + root) / den
    # Pin the exact end points: rounding in sqrt(z^2) can leave +-1e-17.
    lower = np.where(x == 0, 0.0, lower)
    upper = np.where(x == n, 1.0, upper)
    m = _arr(multiplier)
    return shape.wrap(lower * m, "lower"), shape.wrap(upper * m, "upper")


def proportion(count, denominator, confidence=0.95, multiplier=100):
    """Proportion with Wilson score limits (as ``phe_proportion``).

    Parameters
    ----------
    count, denominator : scalar, array-like or Series
    confidence : float, default 0.95
    multiplier : float, default 100

    Returns
    -------
    dict or pandas.DataFrame
        ``value``, ``lower``, ``upper`` (a dict of floats for scalar input,
        otherwise a DataFrame, with the Series' index if given).
    """
    lower, upper = wilson_ci(count, denominator, confidence, multiplier)
    return _with_limits(count, denominator, multiplier, lower, upper)
