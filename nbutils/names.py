"""How place names are compared: one normalisation for the registry and for sources keyed by name (pure)."""

from __future__ import annotations

import re

__all__ = ["normalise"]


def normalise(name: str) -> str:
    """Lower-case, '&' -> 'and', punctuation dropped, spaces collapsed.

    Examples
    --------
    >>> normalise("Kingston upon Hull, City of")
    'kingston upon hull city of'
    >>> normalise("Brighton & Hove")
    'brighton and hove'
    """
    text = name.lower().replace("&", " and ")
    text = re.sub(r"[.,'’()]", " ", text)
    text = text.replace("-", " ")
    return re.sub(r"\s+", " ", text).strip()
