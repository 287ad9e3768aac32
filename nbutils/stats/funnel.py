"""Funnel-plot control limits and outlier levels (PHEindicatormethods ``calculate_funnel_limits`` /
``assign_funnel_significance``)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from ._common import _arr, _Shape, _validate_counts


def _sigma_adjustment(p, population, average_proportion, side, multiplier):
    """Wilson-based funnel limit for a population (PHE ``sigma_adjustment``)."""
    q2 = stats.norm.ppf(p) ** 2
    n, a = np.asarray(population, dtype=float), average_proportion
    first = a * (n / q2 + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        adj = np.sqrt((-8 * a * (n / q2 + 1)) ** 2
                      - 64 * (1 / q2 + 1 / n) * a * (n * (a * (n / q2 + 2) - 1) + q2 * (a - 1)))
        last = 1 / q2 + 1 / n
        val = (first - adj / 8) / last if side == "low" else (first + adj / 8) / last
        return val / n * multiplier


def _poisson_funnel(obs, p, side):
    """Poisson rate at which obs sits on the one-sided p limit.

    Reproduces PHEindicatormethods ``poisson_funnel``: the same bisection
    (23 halvings on v = z / (1 + obs + z)), so results agree to the
    reference's own precision; scipy supplies the Poisson tail.
    """
    obs = np.asarray(obs, dtype=float)
    v = np.full(obs.shape, 0.5)
    dv = 0.5
    while dv > 1e-7:
        dv /= 2
        z = (1 + obs) * v / (1 - v)
        if side == "low":
            tail = stats.poisson.sf(obs - 1, z)   # P(X >= obs)
            v = np.where(tail > p, v - dv, v + dv)
        else:
            tail = stats.poisson.cdf(obs, z)      # P(X <= obs)
            v = np.where(tail < p, v - dv, v + dv)
    return (1 + obs) * v / (1 - v)


def _funnel_ratio_limit(obs, expected, p, side):
    """Limit of obs/expected (PHE ``funnel_ratio_significance``), vectorised."""
    obs = np.asarray(obs, dtype=float)
    z = stats.norm.ppf(0.5 + p / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        if side == "low":
            exact = stats.chi2.ppf(0.5 - p / 2, 2 * obs) / 2
            byars = obs * (1 - 1 / (9 * obs) - z / 3 / np.sqrt(obs)) ** 3
            stat = np.where(obs < 10, exact, byars)
            stat = np.where(obs == 0, 0.0, stat)
        else:
            exact = stats.chi2.ppf(0.5 + p / 2, 2 * obs + 2) / 2
            o1 = obs + 1
            byars = o1 * (1 - 1 / (9 * o1) + z / 3 / np.sqrt(o1)) ** 3
            stat = np.where(obs < 10, exact, byars)
        return stat / expected


def _r_nchar(x):
    """R's nchar(as.character(x)) for a whole number (R picks fixed or
    scientific notation, whichever is narrower, e.g. 1e+05)."""
    x = float(x)
    fixed = str(int(x)) if x.is_integer() else repr(x)
    mant, exp = f"{x:.14e}".split("e")
    mant = mant.rstrip("0").rstrip(".")
    e = int(exp)
    sci = f"{mant}e{'-' if e < 0 else '+'}{abs(e):02d}"
    return len(sci) if len(sci) < len(fixed) else len(fixed)


def _signif_floor(x, percentage_down=0.95):
    if x == 0:
        return 0.0
    n = _r_nchar(math.floor(x * percentage_down)) - 1
    return math.floor(x * percentage_down / 10**n) * 10**n


def _signif_ceiling(x, percentage_up=1.05):
    if x == 0:
        return 0.0
    n = _r_nchar(math.ceil(x * percentage_up)) - 2
    return math.ceil(x * percentage_up / 10**n) * 10**n


def _funnel_inputs(fn, numerator, denominator, statistic, rate, rate_type, multiplier):
    x = np.atleast_1d(_arr(numerator))
    d = None if denominator is None else np.atleast_1d(_arr(denominator))
    if statistic not in ("proportion", "rate", "ratio"):
        raise ValueError(f"{fn}: statistic must be 'proportion', 'rate' or 'ratio', not {statistic!r}")
    if statistic == "rate":
        if rate is None or rate_type not in ("dsr", "crude") or multiplier is None:
            raise ValueError(f"{fn}: rates need rate, rate_type ('dsr' or 'crude') and multiplier")
        rt = np.atleast_1d(_arr(rate))
        if (x == 0).any() and d is None:
            raise ValueError(f"{fn}: where a record has 0 events the denominator must be supplied")
        _validate_counts(fn, x, d, count_name="numerator")
        with np.errstate(invalid="ignore", divide="ignore"):
            derived = multiplier * x / rt
        if rate_type == "dsr":
            derived = np.where(x == 0, np.nan, derived)
        elif d is not None:
            derived = np.where(x == 0, d, derived)
        return x, derived
    if d is None:
        raise ValueError(f"{fn}: {statistic} funnels need a denominator")
    _validate_counts(fn, x, d, proportion=statistic == "proportion", count_name="numerator")
    return x, d


def funnel_limits(numerator, denominator=None, statistic="proportion", multiplier=100,
                  rate=None, rate_type=None, years_of_data=None, ratio_type=None):
    """Funnel-plot control limits (as ``calculate_funnel_limits``).

    95% limits use the 0.975 and 99.8% limits the 0.999 one-sided quantiles
    ("2 sigma" and "3 sigma").  Proportions use Wilson-based limits around
    the overall average; rates and ratios use exact Poisson limits.

    Parameters
    ----------
    numerator : array-like
        Counts (events) for every area on the plot.
    denominator : array-like
        Denominators (proportions), expected counts (ratios) or populations
        (rates: needed where a numerator is 0).
    statistic : {"proportion", "rate", "ratio"}
    multiplier : float
        100 for percentages; e.g. 100000 for rates; 100 for ISR ratios.
    rate : array-like, optional
        Rates (statistic="rate"), used to derive denominators.
    rate_type : {"dsr", "crude"}, optional
    years_of_data : float, optional
        Years the rates cover (statistic="rate"); populations are annual.
    ratio_type : {"count", "isr"}, optional

    Returns
    -------
    pandas.DataFrame
        100 rows: the x-axis column ("Population", "Events" or
        "Observed_events"), ``lower_2s_limit``, ``upper_2s_limit``,
        ``lower_3s_limit``, ``upper_3s_limit``, ``baseline`` (not for ratios)
        and, for rates and ratios, the population / expected-event columns.
    """
    fn = "funnel_limits"
    if statistic == "rate" and years_of_data is None:
        raise ValueError(f"{fn}: rates need years_of_data")
    if statistic == "ratio" and ratio_type not in ("count", "isr"):
        raise ValueError(f"{fn}: ratios need ratio_type 'count' or 'isr'")
    x, derived = _funnel_inputs(fn, numerator, denominator, statistic, rate, rate_type, multiplier)
    ok = ~np.isnan(derived)
    av = np.nansum(x) / np.sum(derived[ok])
    dmin, dmax = np.min(derived[ok]), np.max(derived[ok])
    if dmax > 2 * dmin:
        axis_min = 0.0
    elif statistic == "rate":
        axis_min = _signif_floor(dmin / years_of_data) * years_of_data
    else:
        axis_min = _signif_floor(dmin)
    if statistic == "rate":
        axis_max = _signif_ceiling(dmax / years_of_data) * years_of_data
        axis_min = math.floor(axis_min * av)
        axis_max = math.ceil(axis_max * av)
    else:
        axis_max = _signif_ceiling(dmax)

    # 100 x-axis points, geometrically spaced so small denominators get more.
    pts = [max(1.0, axis_min)]
    for j in range(2, 101):
        offset = j - 1 if statistic == "ratio" else j
        prev = pts[-1]
        pts.append(max(float(np.round((axis_max / prev) ** (1 / (101 - offset)) * prev)), prev + 1))
    pts = np.array(pts)

    if statistic == "proportion":
        return pd.DataFrame({
            "Population": pts,
            "lower_2s_limit": np.maximum(0, _sigma_adjustment(0.975, pts, av, "low", multiplier)),
            "upper_2s_limit": np.minimum(multiplier, _sigma_adjustment(0.975, pts, av, "high", multiplier)),
            "lower_3s_limit": np.maximum(0, _sigma_adjustment(0.999, pts, av, "low", multiplier)),
            "upper_3s_limit": np.minimum(multiplier, _sigma_adjustment(0.999, pts, av, "high", multiplier)),
            "baseline": np.full(pts.shape, av * multiplier),
        })

    l2, u2 = _poisson_funnel(pts, 0.025, "high"), _poisson_funnel(pts, 0.025, "low")
    l3, u3 = _poisson_funnel(pts, 0.001, "high"), _poisson_funnel(pts, 0.001, "low")
    if statistic == "ratio":
        adj = (lambda v: v - 1) if ratio_type == "count" else (lambda v: v * 100)
        return pd.DataFrame({
            "Observed_events": pts,
            "lower_2s_exp_events": l2, "lower_2s_limit": adj(pts / l2),
            "upper_2s_exp_events": u2, "upper_2s_limit": adj(pts / u2),
            "lower_3s_exp_events": l3, "lower_3s_limit": adj(pts / l3),
            "upper_3s_exp_events": u3, "upper_3s_limit": adj(pts / u3),
        })
    pops = [e / av for e in (l2, u2, l3, u3)]
    return pd.DataFrame({
        "Events": pts,
        "lower_2s_population_1_year": pops[0] / years_of_data,
        "lower_2s_limit": pts / pops[0] * multiplier,
        "upper_2s_population_1_year": pops[1] / years_of_data,
        "upper_2s_limit": pts / pops[1] * multiplier,
        "lower_3s_population_1_year": pops[2] / years_of_data,
        "lower_3s_limit": pts / pops[2] * multiplier,
        "upper_3s_population_1_year": pops[3] / years_of_data,
        "upper_3s_limit": pts / pops[3] * multiplier,
        "baseline": np.full(pts.shape, av * multiplier),
    })


FUNNEL_SIGNIFICANCE_LABELS = ("High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)",
                              "Not significant", "Not applicable for events less than 10 for dsrs")


def funnel_significance(numerator, denominator=None, statistic="proportion", rate=None,
                        rate_type=None, multiplier=None):
    """Funnel-plot outlier level per point (as ``assign_funnel_significance``).

    Parameters
    ----------
    numerator, denominator : array-like or Series
        As :func:`funnel_limits` (the whole set of areas on the plot).
    statistic : {"proportion", "rate", "ratio"}
    rate, rate_type, multiplier
        Needed for ``statistic="rate"``.

    Returns
    -------
    ndarray or Series of str
        "High (0.001)", "High (0.025)", "Low (0.001)", "Low (0.025)",
        "Not significant" or (DSRs on < 10 events) "Not applicable for
        events less than 10 for dsrs".
    """
    fn = "funnel_significance"
    shape = _Shape(numerator, denominator)
    x, derived = _funnel_inputs(fn, numerator, denominator, statistic, rate, rate_type, multiplier)
    out = np.full(x.shape, "Not significant", dtype=object)
    with np.errstate(invalid="ignore", divide="ignore"):
        if statistic == "proportion":
            d = derived
            avg = np.nansum(x) / np.nansum(d)
            p = x / d
            conds = [
                (p < _sigma_adjustment(0.999, d, avg, "low", 1), "Low (0.001)"),
                (p < _sigma_adjustment(0.975, d, avg, "low", 1), "Low (0.025)"),
                (p > _sigma_adjustment(0.999, d, avg, "high", 1), "High (0.001)"),
                (p > _sigma_adjustment(0.975, d, avg, "high", 1), "High (0.025)"),
            ]
        else:
            if statistic == "ratio":
                target, expected = 1.0, derived
            else:
                expected = derived
                target = np.nansum(x) / np.nansum(derived)
            conds = [
                (target < _funnel_ratio_limit(x, expected, 0.998, "low"), "High (0.001)"),
                (target < _funnel_ratio_limit(x, expected, 0.95, "low"), "High (0.025)"),
                (target > _funnel_ratio_limit(x, expected, 0.998, "high"), "Low (0.001)"),
                (target > _funnel_ratio_limit(x, expected, 0.95, "high"), "Low (0.025)"),
            ]
    # First matching condition wins, like R's case_when.
    for cond, label in reversed(conds):
        out = np.where(cond, label, out)
    if statistic == "rate" and rate_type == "dsr":
        out = np.where(x < 10, FUNNEL_SIGNIFICANCE_LABELS[-1], out)
    # Missing input: no label (rate DSRs with 0 events legitimately lack a
    # derived denominator and keep the R label).
    missing = np.isnan(x) if statistic == "rate" else np.isnan(x) | np.isnan(derived)
    out = np.where(missing, None, out).astype(object)
    return shape.wrap(out, "significance", dtype=object)
