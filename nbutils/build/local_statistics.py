"""ONS Explore local statistics indicators as published: children in relative low income families (DWP), adult
obesity (OHID, Active Lives) and cigarette smokers (ONS APS five-year averages, with confidence intervals).
"""

from __future__ import annotations

import pandas as pd

from ..sources import local_statistics as els
from .common import Geography
from .published import published_rows

# Prefer a district's own row to the county-or-unitary duplicate of the same code.
_GEOGRAPHY_ORDER = {"Local Authority District": 0, "County or Unitary Authority": 1, "Region": 2, "Nation": 3}
POVERTY_CATEGORIES = {"Children in relative poverty before housing costs": "Before housing costs",
                      "Children in relative poverty after housing costs": "After housing costs"}


def _rows(source: tuple[str, str]) -> pd.DataFrame:
    frame = els.read(source)
    frame = frame.sort_values("geography", key=lambda s: s.map(_GEOGRAPHY_ORDER).fillna(9), kind="stable")
    return frame.rename(columns={"notes": "value_note"})


def local_statistics_indicators(geo: Geography) -> pd.DataFrame:
    name = lambda source: f"{source[0]}/{source[1]}"  # noqa: E731
    poverty = _rows(els.CHILD_POVERTY).assign(category=lambda f: f.indicator.map(POVERTY_CATEGORIES))
    return pd.concat([
        published_rows(poverty, geo, "dwp_children_relative_low_income", name(els.CHILD_POVERTY),
                       "Housing costs"),
        published_rows(_rows(els.ADULT_OBESITY), geo, "ohid_adult_obesity", name(els.ADULT_OBESITY)),
        published_rows(_rows(els.CIGARETTE_SMOKERS), geo, "ons_cigarette_smokers_5yr",
                       name(els.CIGARETTE_SMOKERS)),
    ], ignore_index=True)
