"""Approximate recovery: pooled periods and the single years they contain are one family.

A withheld single year is rarely recoverable exactly, but rounded rates can still pin it down closely. Hartlepool's
2018 infant deaths are the Health Index 2018-20 rate minus its 2019-21 rate (both to 1 decimal, times the births
shown) plus the published 2021 single year: each rounded rate is off by at most half its last decimal, so the
estimate is good to about half a death. Exact rank tests (:func:`.cross_source.recoverable_windows`) do not see this.

Here every shown window of an area (a pooled period or a single year, from any copy of the statistic) is an
interval of events: its count, or its rate within half a unit of the last decimal times its denominator. A reader
who knows all of them, and that counts are not negative, can narrow each withheld window to the range of events
consistent with them (a linear programme). :func:`protect_family` withholds shown windows until every withheld
window's range is wider than ``min_width`` events, so no estimate of it is guaranteed to be within half that.
Pure: numbers in, windows out.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
from scipy.optimize import linprog

#: A withheld count must stay uncertain by more than this many events either side, per count rule: the largest
#: count the rule withholds (ONS births and deaths: 1 and 2; NHS hospital and maternity data: 1 to 7).
HALF_WIDTH_BY_RULE = {"ons_vital": 2.0, "hospital": 7.0, "maternity": 7.0}


def _vector(window, index) -> np.ndarray:
    v = np.zeros(len(index))
    v[index[window[0]]:index[window[1]] + 1] = 1.0
    return v


def _system(shown, window):
    """The windows as 0/1 rows over the years they cover, their intervals (reconciled: :func:`_slack`), and the
    withheld window's row."""
    years = range(min(min(s[0] for s in shown), window[0]), max(max(s[1] for s in shown), window[1]) + 1)
    index = {y: i for i, y in enumerate(years)}
    matrix = np.array([_vector(s, index) for s in shown])
    slack = _slack(tuple(shown))
    low = np.array([s[2] for s in shown], dtype=float) - slack
    high = np.array([s[3] for s in shown], dtype=float) + slack
    return matrix, low, high, _vector(window, index)


@lru_cache(maxsize=4096)
def _slack(shown: tuple) -> np.ndarray:
    """The least widening of each interval (smallest total) that makes the shown windows agree (zeros when they
    already do).

    The denominators behind the intervals are partly approximations (births a year x years), so intervals can
    contradict each other where a reader with the exact births would find them consistent, and as narrow.
    Widening only the windows that disagree, by the least total amount, rather than giving up or widening every
    window, keeps the reader's estimate as sharp as it would be.
    """
    years = range(min(s[0] for s in shown), max(s[1] for s in shown) + 1)
    index = {y: i for i, y in enumerate(years)}
    matrix = np.array([_vector(s, index) for s in shown])
    low = np.array([s[2] for s in shown], dtype=float)
    high = np.array([s[3] for s in shown], dtype=float)
    n, eye = len(shown), np.eye(len(shown))
    # Years y >= 0 and widenings t >= 0: minimise sum(t) subject to low - t <= matrix @ y <= high + t.
    result = linprog(np.r_[np.zeros(len(index)), np.ones(n)],
                     A_ub=np.vstack([np.hstack([matrix, -eye]), np.hstack([-matrix, -eye])]),
                     b_ub=np.r_[high, -low], bounds=(0, None), method="highs")
    if result.status != 0:
        return np.zeros(n)
    widen = result.x[-n:]
    return np.where(widen > 1e-12, widen + 1e-9, 0.0)


def estimate_range(shown, window) -> tuple[float, float]:
    """Smallest and largest events in ``window`` consistent with every shown window.

    Parameters
    ----------
    shown : list of (first, last, low, high)
        Shown windows (calendar years, inclusive) and the interval of events each allows.
    window : (first, last)
        The withheld window.

    Returns
    -------
    (float, float)
        The range; ``(0, inf)`` when the shown windows do not bound it. Where the shown intervals contradict each
        other (their denominators are approximations) they are first widened by the least amount that reconciles
        them (:func:`_slack`).
    """
    if not shown:
        return 0.0, np.inf
    matrix, low, high, target = _system(shown, window)
    a_ub = np.vstack([matrix, -matrix])
    b_ub = np.concatenate([high, -low])
    ends = []
    for sign in (1.0, -1.0):
        result = linprog(sign * target, A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
        ends.append(sign * result.fun if result.status == 0 else np.inf)  # only the largest can be unbounded
    return ends[0], ends[1]


def range_width(shown, window) -> float:
    """Width of :func:`estimate_range` in one linear programme (the largest difference between two event counts
    both consistent with the shown windows)."""
    if not shown:
        return np.inf
    matrix, low, high, target = _system(shown, window)
    zero = np.zeros_like(matrix)
    # Two copies of the years, y and z, each consistent with the shown windows: maximise target @ (y - z).
    a_ub = np.vstack([np.hstack([matrix, zero]), np.hstack([-matrix, zero]),
                      np.hstack([zero, matrix]), np.hstack([zero, -matrix])])
    b_ub = np.concatenate([high, -low, high, -low])
    result = linprog(np.concatenate([-target, target]), A_ub=a_ub, b_ub=b_ub, bounds=(0, None), method="highs")
    return -result.fun if result.status == 0 else np.inf


def protect_family(shown, withheld, min_width) -> list[tuple[int, int]]:
    """Shown windows to withhold so that no withheld window's range (:func:`estimate_range`) is ``min_width``
    events or narrower.

    Greedy: while some withheld window is too narrow, withhold the shown window whose removal widens the
    narrowest range most (ties: the one with fewer events), among those sharing a year with a too-narrow window.

    Parameters
    ----------
    shown : list of (first, last, low, high)
    withheld : list of (first, last)
    min_width : float

    Returns
    -------
    list of (first, last)
        Windows to withhold, in the order chosen.
    """
    shown, added = list(shown), []

    def narrowest(candidate):
        widths = [range_width(candidate, w) for w in withheld]
        return min(widths), [w for w, width in zip(withheld, widths) if width <= min_width]

    width, narrow = narrowest(shown)
    while narrow and shown:
        touching = [s for s in shown if any(s[0] <= w[1] and w[0] <= s[1] for w in narrow)] or shown
        best = None
        for s in touching:
            rest = [t for t in shown if t is not s]
            score = (narrowest(rest)[0], -(s[2] + s[3]))
            if best is None or score > best[0]:
                best = (score, s)
        chosen = best[1]
        shown.remove(chosen)
        added.append((chosen[0], chosen[1]))
        width, narrow = narrowest(shown)
    return added
