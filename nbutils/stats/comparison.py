"""Fingertips benchmark comparison labels and their colours."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ._common import _arr, _check_confidence, _polarity, _Shape


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


def comparison_kind(label) -> str:
    """The kind of a comparison label: 'better', 'worse', 'similar', 'higher', 'lower' or 'not_compared'.

    The one classifier of comparison labels (chart markers, key messages, RAG ratings all use it). It reads
    :func:`compare`'s labels, Fingertips' published words and the workbook's own ('Not tested', 'No value',
    'Suppressed'), in any case; anything that is not a comparison is 'not_compared'.

    Examples
    --------
    >>> comparison_kind("Worse than England"), comparison_kind("Similar (99.8%)"), comparison_kind("Not tested")
    ('worse', 'similar', 'not_compared')
    """
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
        return label.map(lambda s: _COLOURS[comparison_kind(s)]).rename("colour")
    if np.ndim(label) == 0:
        return _COLOURS[comparison_kind(label)]
    return np.array([_COLOURS[comparison_kind(s)] for s in np.asarray(label, dtype=object)], dtype=object)
