"""Public-health statistics used by the needs-assessment workbook.

Pure functions (no file I/O apart from the packaged ESP2013 constant table)
built on numpy / scipy / pandas.  The confidence-interval, standardisation and
funnel-plot methods reproduce the R package PHEindicatormethods (OHID/UKHSA,
version 2.1.0), the reference implementation of the methods behind OHID
Fingertips, so values here agree with published Fingertips figures.

Conventions
-----------
* Every calculation is vectorised over scalars, numpy arrays and pandas
  Series.  Series in gives Series out (same index); scalars in give floats out.
* ``confidence`` is a two-sided level strictly between 0 and 1; 0.95 and
  0.998 are the Fingertips levels (z = 1.959964 and 3.090232).
* Missing input (NaN) gives a missing result, never an error.  Impossible
  input (negative counts, count > denominator for a proportion, zero or
  negative denominators) raises ``ValueError`` naming the position(s).
"""

from __future__ import annotations

import functools
import math
from importlib import resources

import numpy as np
import pandas as pd
from scipy import special, stats

__all__ = [
    "COMPARISON_LABELS",
    "TREND_LABELS",
    "SPECIAL_CAUSE_LABELS",
    "european_standard_population",
    "z_value",
    "wilson_ci",
    "proportion",
    "byars_ci",
    "exact_poisson_ci",
    "rate_ci",
    "rate",
    "dsr",
    "compare",
    "rag_colour",
    "recent_trend",
    "funnel_limits",
    "funnel_significance",
    "spc",
    "slope_index_of_inequality",
]

# --------------------------------------------------------------------------
# Labels and constants
# --------------------------------------------------------------------------

#: Comparison labels produced by :func:`compare` (before any "(99.8%)" suffix;
#: "{benchmark}" is replaced by ``benchmark_name``).
COMPARISON_LABELS = {
    "better": "Better than {benchmark}",
    "worse": "Worse than {benchmark}",
    "similar": "Similar",
    "higher": "Higher than {benchmark}",
    "lower": "Lower than {benchmark}",
    "not_compared": "Not compared",
}

#: Fingertips comparison colours.  Colour is never the only cue: the label
#: text is always shown alongside it (WCAG 1.4.1), and the palette keeps
#: better/worse apart for red-green colour-blind readers by lightness.
_COLOURS = {
    "better": "#92D050",
    "similar": "#FFC000",
    "worse": "#C00000",
    "higher": "#BED2FF",
    "lower": "#5555E6",
    "not_compared": "#C9C9C9",
}

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

#: Variation labels produced by :func:`spc` (NHS "Making Data Count").
SPECIAL_CAUSE_LABELS = (
    "Special cause - improvement",
    "Special cause - concern",
    "Special cause - neither",
    "Common cause",
    "Cannot be calculated",
)

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

# chi-square(1 df) critical value at 99.8% two-sided = 3.0902323^2.
TREND_CRITICAL_VALUE = float(stats.chi2.ppf(0.998, 1))


# --------------------------------------------------------------------------
# Internal helpers
# --------------------------------------------------------------------------


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
# --------------------------------------------------------------------------


@functools.lru_cache(maxsize=1)
def _esp2013_cached():
    text = resources.files("nbutils").joinpath("data", "esp2013.csv").read_text(encoding="utf-8")
    import io

    df = pd.read_csv(io.StringIO(text), comment="#", dtype={"age_band": str, "weight": float})
    return pd.Series(df["weight"].to_numpy(), index=pd.Index(df["age_band"], name="age_band"),
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


# --------------------------------------------------------------------------
# Proportions (Wilson score)
# --------------------------------------------------------------------------


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
    shape = _Shape(count, denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = _arr(count) / _arr(denominator) * _arr(multiplier)
    if shape.scalar:
        return {"value": float(value), "lower": lower, "upper": upper}
    value = np.broadcast_to(value, np.shape(lower))
    return pd.DataFrame({"value": value, "lower": np.asarray(lower), "upper": np.asarray(upper)},
                        index=shape.index)


# --------------------------------------------------------------------------
# Counts and rates (Byar's / exact Poisson)
# --------------------------------------------------------------------------


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
    shape = _Shape(count, denominator)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = _arr(count) / _arr(denominator) * _arr(multiplier)
    if shape.scalar:
        return {"value": float(value), "lower": lower, "upper": upper}
    value = np.broadcast_to(value, np.shape(lower))
    return pd.DataFrame({"value": value, "lower": np.asarray(lower), "upper": np.asarray(upper)},
                        index=shape.index)


# --------------------------------------------------------------------------
# Directly standardised rates (Dobson)
# --------------------------------------------------------------------------

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


# --------------------------------------------------------------------------
# Benchmark comparison
# --------------------------------------------------------------------------


def _polarity(polarity):
    key = str(polarity).strip().lower()
    if key not in _POLARITY_ALIASES:
        raise ValueError(
            f"unknown polarity {polarity!r}; use 'high-is-good', 'low-is-good' or 'no-judgement'"
        )
    return _POLARITY_ALIASES[key]


def _confidence_suffix(confidence):
    if math.isclose(confidence, 0.95):
        return ""
    return f" ({confidence * 100:g}%)"


def compare(value, lower, upper, benchmark, polarity, confidence=0.95, benchmark_name="England"):
    """Fingertips benchmark comparison label.

    If the benchmark lies within [lower, upper] the area is "Similar";
    otherwise it is better/worse (RAG polarities) or higher/lower
    ("no-judgement") than the benchmark.

    Parameters
    ----------
    value, lower, upper : scalar, array-like or Series
        Area value and its confidence limits at ``confidence``.
    benchmark : scalar, array-like or Series
        Comparator value (e.g. England).
    polarity : {"high-is-good", "low-is-good", "no-judgement"}
        Fingertips wording ("Higher is better", "Lower is better",
        "Not applicable") is accepted too.
    confidence : float, default 0.95
        Level of the limits; anything but 0.95 is appended to the label,
        e.g. "Better than England (99.8%)".
    benchmark_name : str, default "England"

    Returns
    -------
    str, ndarray of str or Series
        Labels from :data:`COMPARISON_LABELS`; "Not compared" when value,
        limits or benchmark are missing.
    """
    _check_confidence("compare", confidence)
    pol = _polarity(polarity)
    shape = _Shape(value, lower, upper, benchmark)
    v, lo, up, b = np.broadcast_arrays(_arr(value), _arr(lower), _arr(upper), _arr(benchmark))
    suffix = _confidence_suffix(confidence)
    missing = np.isnan(v) | np.isnan(lo) | np.isnan(up) | np.isnan(b)
    with np.errstate(invalid="ignore"):
        similar = (lo <= b) & (b <= up)
        higher = v > b
    if pol == "no-judgement":
        hi_lab, lo_lab = COMPARISON_LABELS["higher"], COMPARISON_LABELS["lower"]
    elif pol == "high-is-good":
        hi_lab, lo_lab = COMPARISON_LABELS["better"], COMPARISON_LABELS["worse"]
    else:
        hi_lab, lo_lab = COMPARISON_LABELS["worse"], COMPARISON_LABELS["better"]
    hi_lab = hi_lab.format(benchmark=benchmark_name) + suffix
    lo_lab = lo_lab.format(benchmark=benchmark_name) + suffix
    out = np.where(similar, COMPARISON_LABELS["similar"] + suffix, np.where(higher, hi_lab, lo_lab))
    out = np.where(missing, COMPARISON_LABELS["not_compared"], out).astype(object)
    return shape.wrap(out, "comparison", dtype=object)


def _label_kind(label):
    if label is None or (isinstance(label, float) and math.isnan(label)):
        return "not_compared"
    text = str(label).lower()
    for kind in ("better", "worse", "similar", "higher", "lower"):
        if text.startswith(kind):
            return kind
    return "not_compared"


def rag_colour(label):
    """Fill colour (hex) for a comparison label from :func:`compare`.

    Green better, amber similar, red worse, light/dark blue higher/lower,
    grey not compared (Fingertips palette).  Always show the label text as
    well: colour alone must not carry the meaning.

    Parameters
    ----------
    label : str, array-like or Series

    Returns
    -------
    str, ndarray or Series of hex strings
    """
    if isinstance(label, pd.Series):
        return label.map(lambda s: _COLOURS[_label_kind(s)]).rename("colour")
    if np.ndim(label) == 0:
        return _COLOURS[_label_kind(label)]
    return np.array([_COLOURS[_label_kind(s)] for s in np.asarray(label, dtype=object)], dtype=object)


# --------------------------------------------------------------------------
# Recent trend (Fingertips trend markers)
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Funnel plots (as PHEindicatormethods calculate_funnel_limits /
# assign_funnel_significance)
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Statistical process control (XmR, NHS "Making Data Count")
# --------------------------------------------------------------------------


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


# --------------------------------------------------------------------------
# Slope index of inequality
# --------------------------------------------------------------------------


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
