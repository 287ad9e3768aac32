"""Slope and relative index of inequality across deprivation quantiles (PHEindicatormethods ``phe_sii``)."""

from __future__ import annotations

import numpy as np
from scipy import stats

from ._common import _arr, _check_confidence, _raise_at


def slope_index_of_inequality(values, populations, quantile_order, lower=None, upper=None,
                              se=None, value_type="other", confidence=0.95, multiplier=1,
                              repetitions=0, seed=20240501):
    """Slope index of inequality (SII) and relative index (RII) across
    deprivation quantiles (as PHEindicatormethods ``phe_sii``).

    Weighted regression of the value on the cumulative population midpoint
    rank (0 = most deprived end, 1 = least deprived end); weights are each
    quantile's population share.

    **Sign convention (differs from phe_sii):** ``sii`` is the modelled
    value at the *most* deprived end minus the value at the *least* deprived
    end, so a positive SII means higher values in the most deprived areas
    (for a "low-is-good" indicator: worse in the most deprived).  It equals
    ``phe_sii(..., multiplier = -1)``, i.e. -1 x the R default.

    Parameters
    ----------
    values : array-like
        Indicator value per quantile.
    populations : array-like
        Population (or denominator) per quantile, > 0.
    quantile_order : array-like
        Quantile number per row, 1 = most deprived (IMD convention);
        rows are sorted by it.
    lower, upper : array-like, optional
        95% limits, used to derive standard errors for simulated CIs.
    se : array-like, optional
        Standard errors (on the transformed scale for rates/proportions).
    value_type : {"other", "rate", "proportion"}
        Rates are modelled on the log scale and proportions (0-1) on the
        logit scale for the simulation, as phe_sii value_type 1 and 2.
    confidence : float, default 0.95
    multiplier : float, default 1
        Scales SII and its limits (e.g. 100 for percentages).
    repetitions : int, default 0
        Monte-Carlo repetitions for the CI (phe_sii uses 100,000); 0 skips
        the simulation (limits NaN).  Seeded by ``seed`` so reruns agree.
    seed : int

    Returns
    -------
    dict
        ``sii``, ``rii`` (most-deprived / least-deprived modelled value),
        ``lower``, ``upper`` (simulated, or NaN), ``direction`` ("higher in
        most deprived", "lower in most deprived" or "no gradient"),
        ``n_quantiles``, ``note``.
    """
    _check_confidence("slope_index_of_inequality", confidence)
    order = np.argsort(np.atleast_1d(_arr(quantile_order)), kind="stable")
    y = np.atleast_1d(_arr(values))[order]
    pop = np.atleast_1d(_arr(populations))[order]
    k = len(y)
    res = {"sii": np.nan, "rii": np.nan, "lower": np.nan, "upper": np.nan,
           "direction": None, "n_quantiles": k, "note": ""}
    if len(pop) != k:
        raise ValueError("slope_index_of_inequality: values and populations differ in length")
    if k < 5:
        raise ValueError(f"slope_index_of_inequality: needs at least 5 quantiles, got {k}")
    if np.isnan(y).any() or np.isnan(pop).any():
        res["note"] = "not calculated: missing value or population"
        return res
    with np.errstate(invalid="ignore"):
        _raise_at("slope_index_of_inequality", pop <= 0, "population ({p}) is zero or negative",
                  {"p": pop}, None, "each quantile needs a population > 0")
    a = pop / pop.sum()
    cum = np.cumsum(a)
    b = cum - a / 2   # midpoint of each quantile's cumulative population share
    sa = np.sqrt(a)
    X = np.column_stack([sa, b * sa])
    (intercept, slope), *_ = np.linalg.lstsq(X, sa * y, rcond=None)
    # Modelled values: intercept at rank 0 (most deprived), intercept+slope at 1.
    res["sii"] = float(-slope * multiplier)
    with np.errstate(divide="ignore", invalid="ignore"):
        res["rii"] = float(intercept / (intercept + slope))
    res["direction"] = ("higher in most deprived" if slope < 0 else
                        "lower in most deprived" if slope > 0 else "no gradient")

    if repetitions and repetitions > 0:
        vt = {"other": 0, "rate": 1, "proportion": 2}.get(value_type)
        if vt is None:
            raise ValueError("slope_index_of_inequality: value_type must be 'other', 'rate' or 'proportion'")
        with np.errstate(divide="ignore", invalid="ignore"):
            tf = {0: lambda v: v, 1: np.log, 2: lambda v: np.log(v / (1 - v))}[vt]
            if se is not None:
                s = np.atleast_1d(_arr(se))[order]
            elif lower is not None and upper is not None:
                s = (tf(np.atleast_1d(_arr(upper))[order]) - tf(np.atleast_1d(_arr(lower))[order])) \
                    / stats.norm.ppf(0.975) / 2
            else:
                raise ValueError("slope_index_of_inequality: simulated CIs need se or lower/upper")
            if np.isnan(s).any() or (s < 0).any():
                res["note"] = "confidence limits not calculated: missing or negative standard errors"
                return res
            rng = np.random.default_rng(seed)
            sims = rng.normal(tf(y)[:, None], s[:, None], size=(k, int(repetitions)))
            if vt == 1:
                sims = np.exp(sims)
            elif vt == 2:
                sims = np.exp(sims) / (1 + np.exp(sims))
            coef = np.linalg.solve(X.T @ X, X.T @ (sims * sa[:, None]))
            sii_sims = -coef[1] * multiplier
        alpha = 1 - confidence
        res["lower"], res["upper"] = (float(q) for q in
                                      np.quantile(sii_sims, [alpha / 2, 1 - alpha / 2]))
    return res
