"""Public-health statistics used by the needs-assessment workbook.

Pure functions (no file I/O apart from the packaged ESP2013 constant table)
built on numpy / scipy / pandas.  The confidence-interval, standardisation and
funnel-plot methods reproduce the R package PHEindicatormethods (OHID/UKHSA,
version 2.1.0), the reference implementation of the methods behind OHID
Fingertips, so values here agree with published Fingertips figures.

One module per method family; import from the package
(``from nbutils import stats; stats.wilson_ci(...)``):

* :mod:`.proportions` -- Wilson score limits (``wilson_ci``, ``proportion``)
* :mod:`.rates` -- Byar's / exact Poisson limits (``byars_ci``, ``exact_poisson_ci``, ``rate_ci``, ``rate``)
* :mod:`.standardised_rates` -- Dobson DSRs and ESP2013 (``dsr``, ``european_standard_population``)
* :mod:`.comparison` -- benchmark labels, their kind and colours (``compare``, ``comparison_kind``, ``rag_colour``)
* :mod:`.trend` -- Fingertips recent trend (``recent_trend``)
* :mod:`.funnel` -- funnel limits and outliers (``funnel_limits``, ``funnel_significance``)
* :mod:`.process_control` -- XmR / Making Data Count (``spc``)
* :mod:`.inequality` -- slope index of inequality (``slope_index_of_inequality``)
* :mod:`._common` -- shared validation and container handling (``z_value``)

Conventions
-----------
* Every calculation is vectorised over scalars, numpy arrays and pandas
  Series.  Series in gives Series out (same index); scalars in give floats out.
* ``confidence`` is a two-sided level strictly between 0 and 1; 0.95 and
  0.998 are the Fingertips levels (z = 1.959964 and 3.090232).
* Missing input (NaN) gives a missing result, never an error.  Impossible
  input (negative counts, count > denominator for a proportion, zero or
  negative denominators) raises ``ValueError`` naming the position(s).
"""

from ._common import z_value
from .comparison import COMPARISON_LABELS, compare, comparison_kind, rag_colour
from .funnel import FUNNEL_SIGNIFICANCE_LABELS, funnel_limits, funnel_significance
from .inequality import slope_index_of_inequality
from .process_control import SPECIAL_CAUSE_LABELS, spc
from .proportions import proportion, wilson_ci
from .rates import byars_ci, exact_poisson_ci, rate, rate_ci
from .standardised_rates import DSR_SMALL_COUNT_NOTE, dsr, european_standard_population
from .trend import CHANGE_NOT_TESTED, TREND_CRITICAL_VALUE, TREND_LABELS, change_between, recent_trend

__all__ = [
    "COMPARISON_LABELS",
    "TREND_LABELS",
    "SPECIAL_CAUSE_LABELS",
    "european_standard_population",
    "z_value",
    "wilson_ci",
    "proportion",
    "byars_ci",
    "exact_poisson_ci",
    "rate_ci",
    "rate",
    "dsr",
    "compare",
    "comparison_kind",
    "rag_colour",
    "recent_trend",
    "change_between",
    "CHANGE_NOT_TESTED",
    "funnel_limits",
    "funnel_significance",
    "spc",
    "slope_index_of_inequality",
    "DSR_SMALL_COUNT_NOTE",
    "FUNNEL_SIGNIFICANCE_LABELS",
    "TREND_CRITICAL_VALUE",
]
