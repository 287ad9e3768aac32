"""Indicator builders: each turns raw source tables into rows of the store's long indicator table.

A builder is a function ``(Geography) -> DataFrame`` with the columns in ``common.INDICATOR_COLUMNS``. To add a
source, write its reader in ``nbutils/sources/``, its builder module here, and list the builder below.
"""

from .census import census_indicators
from .fetched import fetched_indicators
from .fingertips import fingertips_indicators
from .housing import census_housing_indicators, homelessness_indicators, imd_indicators
from .local_statistics import local_statistics_indicators
from .sudi import sudi_indicators

INDICATOR_BUILDERS = [
    census_indicators,
    census_housing_indicators,
    imd_indicators,
    homelessness_indicators,
    fingertips_indicators,
    local_statistics_indicators,
    sudi_indicators,
    fetched_indicators,  # last: fetched rows replace the snapshot's (the store keeps the last duplicate)
]
