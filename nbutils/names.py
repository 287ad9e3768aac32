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


def aliases(name: str) -> set[str]:
    """Other ways people write an ONS name ('Kingston upon Hull, City of' -> 'kingston upon hull', 'hull')."""
    base = normalise(name)
    aliases = {base}
    match = re.match(r"^(.*), (city|county) of$", name.strip(), flags=re.IGNORECASE)
    if match:
        place = normalise(match.group(1))
        aliases |= {place, f"{match.group(2).lower()} of {place}"}
    if base.startswith("st "):
        aliases.add("saint " + base[3:])
    return aliases


def county_aliases(name: str) -> set[str]:
    """Ways people write a county: 'kent', 'kent county council', 'kent county', 'kent cc', 'county of kent'."""
    base = normalise(name)
    return {base, f"{base} county council", f"{base} county", f"{base} cc", f"county of {base}",
            f"{base} council"}
