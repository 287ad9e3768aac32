"""One-line access for analysts in JupyterLab: any catalogue indicator for any area, as a tidy DataFrame.

>>> from nbutils import explore
>>> explore.catalogue()                                     # every indicator id, with name, topic and unit
>>> explore.indicator("breastfeeding_6_8_weeks", "Kent")    # the area, its comparators and the comparisons

Both return ordinary numeric DataFrames (sort, filter, plot or save them as you like); nothing is written.
"""

from __future__ import annotations

import pandas as pd

from . import catalog, query
from .areas import resolve
from .topics import indicators

CATALOGUE_COLUMNS = ["indicator_id", "name", "topic", "unit", "polarity", "period", "source", "disclosure"]


def catalogue(topic: str | None = None) -> pd.DataFrame:
    """The indicator catalogue (nbutils/catalog.yaml) as a table, one row per indicator id.

    Parameters
    ----------
    topic : keep only this topic's indicators (e.g. 'nutrition'); None keeps all.
    """
    rows = [{"indicator_id": meta.id, **{c: getattr(meta, c) for c in CATALOGUE_COLUMNS[1:]}}
            for meta in catalog.catalogue().values() if topic is None or meta.topic == topic]
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS).sort_values(["topic", "indicator_id"], ignore_index=True)


def indicator(indicator_id: str, area: str, latest: bool = False) -> pd.DataFrame:
    """Every period of one indicator for an area and its comparators (county, region, England), compared.

    Parameters
    ----------
    indicator_id : a catalogue id (see :func:`catalogue`).
    area : GSS code or name of an English district, unitary authority or county.
    latest : keep only the latest period with a value for the area.

    Returns
    -------
    pandas.DataFrame
        Columns ``nbutils.topics.indicators.COLUMNS``: area_code, area_name, role, period, category (every
        category the source publishes; "" for the whole population), count, denominator, value, confidence
        limits, compared_with_england (the workbook's one comparison rule) and its method; oldest period first.
        Rows withheld by disclosure control have no value. An id the store does not hold (some are fetched
        live only, by ``nbutils data fetch``) raises an error naming the ids it holds.
    """
    frame = query.with_comparators(indicator_id, resolve(area))
    frame = frame[frame.indicator_id.notna()]
    frame = indicators.add_comparison(frame.assign(category=frame.category.fillna("")), indicator_id)
    frame = frame.sort_values(["period", "category", "order"], kind="stable", ignore_index=True)[indicators.COLUMNS]
    return indicators.latest(frame) if latest else frame
