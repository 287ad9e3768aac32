"""Where a spine chart draws each indicator: the scale around the benchmark, clipped so outliers stay visible.

Pure geometry (no figure), so the scale rules can be tested on their own; :func:`nbutils.charts.spine_chart`
draws what :func:`spine_layout` returns.
"""

from __future__ import annotations

import pandas as pd

#: Half-width of the spine's scale in fences: a district further from the benchmark than the inter-quartile
#: fence (Tukey's 1.5 x IQR beyond the quartiles), or than the 5th/95th percentile where the card gives them,
#: is drawn at the scale's end with an arrow and its number, so one extreme district cannot squash the rest.
SPINE_EDGE = 1.0
SPINE_ARROW = 1.07


def _spine_row(r) -> dict:
    """Geometry of one spine row: positions in [-1, 1] around the benchmark, better (or higher) to the right."""
    get = lambda name: r.get(name, float("nan")) if hasattr(r, "get") else getattr(r, name, float("nan"))  # noqa: E731
    b = get("benchmark_value")
    lo_all, hi_all = get("districts_min"), get("districts_max")
    q1, q3 = get("districts_lower_quartile"), get("districts_upper_quartile")
    p5, p95 = get("districts_p5"), get("districts_p95")
    flip = get("polarity") == "low-is-good"
    if pd.notna(p5) and pd.notna(p95):
        lo, hi = p5, p95
    elif pd.notna(q1) and pd.notna(q3):
        fence = 1.5 * (q3 - q1)
        lo = max(lo_all, q1 - fence) if pd.notna(lo_all) else q1 - fence
        hi = min(hi_all, q3 + fence) if pd.notna(hi_all) else q3 + fence
    else:
        lo, hi = lo_all, hi_all
    span = max(abs(b - lo), abs(hi - b)) if pd.notna(b) and pd.notna(lo) and pd.notna(hi) else float("nan")
    usable = pd.notna(span) and span > 0

    def x(v):
        if pd.isna(v) or not usable:
            return float("nan")
        pos = (v - b) / span
        return -pos if flip else pos

    return {"flip": flip, "usable": usable, "x": x, "judged": get("polarity") in ("high-is-good", "low-is-good")}


def spine_layout(card: pd.DataFrame) -> pd.DataFrame:
    """Where each indicator of a spine chart is drawn (pure: no figure), one row per indicator with a value.

    Columns: ``x`` the area's position (clipped to the scale, ``beyond`` -1/0/+1 saying it was), ``range_lo``/
    ``range_hi`` the English districts' range (clipped; ``range_beyond_lo``/``_hi`` true where districts lie
    beyond), ``q1``/``q3``, ``neighbours_lo``/``_hi`` (NaN unless the card has neighbours_min/max for the
    area's own statistical neighbours, i.e. ``neighbours_of`` is absent, empty or the area), ``judged``
    (polarity, so the ends read Worse/Better), and ``gap`` (no value for the area: listed, not drawn).
    """
    out = []
    for _, r in card.reset_index(drop=True).iterrows():
        g = _spine_row(r)
        x = g["x"]
        pos = x(r.get("value")) if g["usable"] else (0.0 if pd.notna(r.get("value")) else float("nan"))
        ends = sorted([x(r.get("districts_min")), x(r.get("districts_max"))])
        quart = sorted([x(r.get("districts_lower_quartile")), x(r.get("districts_upper_quartile"))])
        # The band is the area's own statistical neighbours (an upper-tier area); a district's card may carry
        # its county's neighbours (``neighbours_of`` names whose), which are not the district's comparators.
        own = str(r.get("neighbours_of", "") or "") in ("", str(r.get("area_name", "")))
        neigh = sorted([x(r.get("neighbours_min", float("nan"))), x(r.get("neighbours_max", float("nan")))]) \
            if own else [float("nan"), float("nan")]
        clip = lambda v: max(-SPINE_EDGE, min(SPINE_EDGE, v)) if pd.notna(v) else v  # noqa: E731
        out.append({
            "x": clip(pos) if pd.notna(pos) else pos,
            "beyond": 0 if pd.isna(pos) or abs(pos) <= SPINE_EDGE else (1 if pos > 0 else -1),
            "range_lo": clip(ends[0]), "range_hi": clip(ends[1]),
            "range_beyond_lo": bool(pd.notna(ends[0]) and ends[0] < -SPINE_EDGE),
            "range_beyond_hi": bool(pd.notna(ends[1]) and ends[1] > SPINE_EDGE),
            "q1": clip(quart[0]), "q3": clip(quart[1]),
            "neighbours_lo": clip(neigh[0]), "neighbours_hi": clip(neigh[1]),
            "flip": g["flip"], "judged": g["judged"], "gap": pd.isna(r.get("value")),
        })
    return pd.DataFrame(out, index=card.index)
