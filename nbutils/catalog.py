"""The indicator catalogue: what each indicator is (definition, unit, polarity, source, disclosure rule)."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from .errors import UnknownIndicatorError


class ImpliedEvents(BaseModel):
    """How to estimate the events behind a rate published without counts (for disclosure control).

    Events = value / ``per`` x births a year x ``births_years``; births are the store's ONS residents aged
    under 1 (an approximation of live births; for term-birth indicators, of term births).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    per: float
    births_years: float = 1


class Indicator(BaseModel):
    """Metadata for one indicator, as shown in the 'about this indicator' boxes."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    name: str
    topic: str
    definition: str
    unit: str
    # Decimal places tables and charts show (as Fingertips or the publisher shows the indicator; counts at 0).
    decimals: int = Field(default=1, ge=0, le=4)
    multiplier: float = 1
    polarity: Literal["high-is-good", "low-is-good", "no-judgement"]
    ci_method: str
    # A whole-population count (every resident, every LSOA ranked): no sampling error, described and never tested.
    whole_population: bool = False
    disclosure: Literal["census", "ons_vital", "hospital", "maternity", "none"]
    # Rates published without counts: estimate the events and withhold rates implying fewer than 3.
    implied_events: ImpliedEvents | None = None
    # The category that is the total of the others (complementary suppression across categories).
    category_total: str | None = None
    # The statistic this indicator is one copy of (e.g. "infant_mortality": Fingertips 3-year, Health Index 3-year
    # and DfE LAIT single years). Every copy of a statistic is disclosure-controlled together, over the union of
    # what the copies show (:func:`copies_of`); the link is symmetric because it is one shared name.
    statistic: str | None = None
    source: str
    raw_sources: list[str] = []
    period: str
    caveats: str = ""
    # Live data (``nbutils data fetch``): the OHID Fingertips indicator id, the area types it is published for
    # (district, county, region, england), the notebook sections that use it and its data date.
    fingertips_id: int | None = None
    area_types: list[str] = []
    sections: list[str] = []
    data_date: str = ""
    # How the period is defined ("financial year", "calendar years pooled (3)"...).
    period_type: str = ""
    # True only where two independent public sources confirm the Fingertips id (cited in catalog.yaml); an
    # unverified id is checked against the API's metadata name (``fingertips_name``, else ``name``) on fetch.
    fingertips_verified: bool = False
    # The two independent public sources that confirm the Fingertips id (required when fingertips_verified).
    fingertips_confirmed_by: list[str] = []
    fingertips_name: str = ""
    # Why Fingertips no longer updates the indicator (kept out of a default ``data fetch``); "" if current.
    discontinued: str = ""


    @model_validator(mode="after")
    def _verified_by_two_sources(self):
        if self.fingertips_verified and len(self.fingertips_confirmed_by) < 2:
            raise ValueError(f"{self.id}: fingertips_verified needs two sources in fingertips_confirmed_by "
                             "(else mark it fingertips_verified: false, unverified)")
        return self

    @property
    def fingertips_status(self) -> str:
        """'confirmed by A; B', 'unverified (name checked on fetch)' or '' (no Fingertips id)."""
        if self.fingertips_id is None:
            return ""
        if self.fingertips_verified:
            return "confirmed by " + "; ".join(self.fingertips_confirmed_by)
        return "unverified (name checked against the API on each fetch)"


@functools.lru_cache(maxsize=1)
def catalogue() -> dict[str, Indicator]:
    """All indicators, keyed by id."""
    text = resources.files("nbutils").joinpath("catalog.yaml").read_text()
    return {key: Indicator(id=key, **value) for key, value in yaml.safe_load(text).items()}


def indicator(indicator_id: str) -> Indicator:
    """Metadata for one indicator."""
    try:
        return catalogue()[indicator_id]
    except KeyError:
        raise UnknownIndicatorError(
            f"indicator '{indicator_id}' is not in the catalogue (nbutils/catalog.yaml)"
        ) from None


def with_fingertips(include_discontinued: bool = True) -> list[Indicator]:
    """Indicators that have an OHID Fingertips id, i.e. those ``nbutils data fetch`` can download."""
    return [meta for meta in catalogue().values()
            if meta.fingertips_id is not None and (include_discontinued or not meta.discontinued)]


def copies_of(indicator_id: str) -> list[str]:
    """Every indicator publishing the same statistic as ``indicator_id`` (itself included, sorted); just itself
    when it has no ``statistic``."""
    meta = indicator(indicator_id)
    if not meta.statistic:
        return [indicator_id]
    return sorted(key for key, other in catalogue().items() if other.statistic == meta.statistic)
