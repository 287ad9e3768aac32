"""Indicator builders: each turns raw source tables into rows of the store's long indicator table.

A builder is a function ``(Geography) -> DataFrame`` with the columns in ``common.INDICATOR_COLUMNS``. To add a
source, write its reader in ``nbutils/sources/``, its builder module here, and list the builder below.
Small look-up tables (not indicators) are listed in ``TABLE_BUILDERS``: name -> ``(Geography) -> DataFrame``,
each written to ``data/store/<name>.parquet`` and read with ``store.table(name)``.
"""

from .census import census_indicators
from .dfe_lait import la_code_table, lait_indicators, statistical_neighbours_table
from .fetched import fetched_indicators
from .fingertips import fingertips_indicators
from .housing import census_housing_indicators, homelessness_indicators, imd_indicators
from .local_statistics import local_statistics_indicators
from .maternity import maternity_indicators, providers_table
from .msoa_names import msoa_names_table
from .sudi import sudi_indicators

INDICATOR_BUILDERS = [
    census_indicators,
    census_housing_indicators,
    imd_indicators,
    homelessness_indicators,
    fingertips_indicators,
    local_statistics_indicators,
    sudi_indicators,
    lait_indicators,  # after sudi: LAIT rows fill periods the 2020 extract lacks (it keeps its own, with counts)
    maternity_indicators,
    fetched_indicators,  # last: fetched rows replace the snapshot's (the store keeps the last duplicate)
]

TABLE_BUILDERS = {
    "dfe_la_codes": la_code_table,
    "statistical_neighbours": statistical_neighbours_table,
    "maternity_providers": providers_table,
    "msoa_names": msoa_names_table,
}
