"""Input checks shared by the planning models (percentages and relative risks)."""

from __future__ import annotations


def _proportion(pct: float, name: str) -> float:
    if pct is None or not (0 <= float(pct) <= 100):
        raise ValueError(f"{name} must be a percentage between 0 and 100, not {pct!r}")
    return float(pct) / 100


def _rr(rr: float) -> float:
    if rr is None or float(rr) <= 0:
        raise ValueError(f"relative risk must be positive, not {rr!r}")
    return float(rr)
