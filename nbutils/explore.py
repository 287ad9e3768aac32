"""One-line access for analysts in JupyterLab: any catalogue indicator for any area, as a tidy DataFrame.

>>> from nbutils import explore
>>> explore.catalogue()                                     # every indicator id, with name, topic and unit
>>> explore.indicator("breastfeeding_6_8_weeks", "Kent")    # the area, its comparators and the comparisons

Both return ordinary numeric DataFrames (sort, filter, plot or save them as you like); nothing is written.
An answer is never silently empty: where the indicator is not published for the area asked, the rows are those
of the level it is published at (a district's county, a county's districts, the region or England), named in the
``level`` column and in ``frame.attrs["note"]``.
"""

from __future__ import annotations

import difflib

import pandas as pd

from . import catalog, query, store
from .areas import Area, registry, resolve
from .errors import UnknownIndicatorError
from .topics import indicators

CATALOGUE_COLUMNS = ["indicator_id", "name", "topic", "unit", "polarity", "period", "source", "disclosure"]
#: The default view: who, when, the value, its interval and the comparison with England.
TIDY_COLUMNS = ["area_name", "level", "period", "value", "lower_ci95", "upper_ci95", "compared_with_england"]
#: Levels in the order a missing answer falls back through (the area's own first).
FALLBACK_ROLES = ("area", "county", "region", "england")


def catalogue(topic: str | None = None) -> pd.DataFrame:
    """The indicator catalogue (nbutils/catalog.yaml) as a table, one row per indicator id.

    Parameters
    ----------
    topic : keep only this topic's indicators (e.g. 'nutrition'); None keeps all.
    """
    rows = [{"indicator_id": meta.id, **{c: getattr(meta, c) for c in CATALOGUE_COLUMNS[1:]}}
            for meta in catalog.catalogue().values() if topic is None or meta.topic == topic]
    return pd.DataFrame(rows, columns=CATALOGUE_COLUMNS).sort_values(["topic", "indicator_id"], ignore_index=True)


def indicator(indicator_id: str, area: str, latest: bool = False, full: bool = False,
              categories: bool | str = False) -> pd.DataFrame:
    """Every period of one indicator for an area and its comparators (county, region, England), compared.

    Parameters
    ----------
    indicator_id : a catalogue id (see :func:`catalogue`).
    area : GSS code or name of an English district, unitary authority or county.
    latest : keep only the latest period with a value for the area (or, where the indicator is not published
        for it, for the level that answers).
    full : every column (counts, denominators, notes, comparison method, source) instead of the tidy view.
    categories : False gives the whole population only (as published; an indicator published only by category,
        such as ethnic group, keeps its categories); True every category the source publishes (deprivation
        quintiles, ethnic groups...); a category's name only that one.

    Returns
    -------
    pandas.DataFrame
        Tidy view ``TIDY_COLUMNS`` (plus ``category`` where categories are kept): area_name, level (the area's
        kind: district, county, region, England...), period, value, 95% confidence limits and the comparison with
        England; oldest period first, so ``pivot(index="period", columns="area_name", values="value")`` works.
        ``attrs``: ``indicator_id``, ``area``, ``answered_at`` (the level whose rows answer for the area) and
        ``note`` (one sentence saying where the answer comes from).

    Raises
    ------
    nbutils.errors.UnknownIndicatorError
        For an id the catalogue does not hold (with the closest ids), or one fetched live only and not fetched.
    """
    meta = _known(indicator_id)
    place = resolve(area)
    frame = query.with_comparators(indicator_id, place)
    frame = frame[frame.indicator_id.notna()]
    frame = frame.assign(category=frame.category.fillna(""), level=frame.role.map(_level_names(place)))
    answered, note, extra = _answer(indicator_id, frame, place)
    if extra is not None:
        frame = pd.concat([extra, frame], ignore_index=True)
    frame = _categories(frame, categories)
    frame = indicators.add_comparison(frame, indicator_id)
    frame = frame.sort_values(["period", "category", "order"], kind="stable", ignore_index=True)
    role = {"districts": "district", "small areas": "small_area"}.get(answered, answered)
    if latest:
        have = frame[(frame.role == role) & frame.value.notna()]
        frame = frame[frame.period == max(have.period, key=str)] if len(have) else frame
    columns = [*indicators.COLUMNS, "level"] if full else TIDY_COLUMNS[:3] + (
        ["category"] if frame.category.ne("").any() else []) + TIDY_COLUMNS[3:]
    out = frame[columns].reset_index(drop=True)
    out.attrs.update(indicator_id=meta.id, area=place.name, answered_at=answered, note=note)
    return out


def _known(indicator_id: str):
    """The catalogue entry, or one readable line: the closest ids, or how to fetch an id held live only."""
    ids = catalog.catalogue()
    if indicator_id not in ids:
        close = difflib.get_close_matches(str(indicator_id), list(ids), n=3, cutoff=0.5)
        hint = f"did you mean {' or '.join(close)}?" if close else "explore.catalogue() lists the ids"
        raise UnknownIndicatorError(f"'{indicator_id}' is not an indicator id: {hint}")
    try:
        store.indicator_data(indicator_id, area_codes=[])
    except UnknownIndicatorError:
        raise UnknownIndicatorError(
            f"'{indicator_id}' ({ids[indicator_id].name}) is fetched live from Fingertips and is not in this build: "
            f"run `nbutils data fetch --indicators {indicator_id}` to add it") from None
    return ids[indicator_id]


def _level_names(place: Area) -> dict[str, str]:
    return {"area": place.kind or "area", "county": "county", "region": "region", "england": "England"}


def _answer(indicator_id: str, frame: pd.DataFrame, place: Area) -> tuple[str, str, pd.DataFrame | None]:
    """Which rows answer for the area: its own; else (a county) its districts'; else the nearest comparator's;
    else (small-area data) the neighbourhoods inside it. With the sentence saying so and any rows to add."""
    have = set(frame.loc[frame.value.notna(), "role"])
    if "area" in have:
        return "area", f"Published for {place.name}.", None
    if place.is_county:
        districts = _districts(indicator_id, place)
        if districts.value.notna().any():
            return "districts", (f"Not published for {place.name} as a whole: its districts' values are given "
                                 "(level 'district'); the source publishes no figure for the county."), districts
    for role in FALLBACK_ROLES[1:]:
        if role in have:
            name = frame.loc[frame.role == role, "area_name"].iloc[0]
            where = "England" if role == "england" else f"{name} ({role})"
            return role, f"Not published for {place.name}: the nearest level published is {where}.", None
    small = _small_areas(indicator_id, place)
    if len(small):
        return "small areas", (f"Published for neighbourhoods only: the {small.level.iloc[0]}s inside {place.name} "
                               "are given."), small
    return "none", f"No value is published for {place.name}, its comparators or its neighbourhoods.", None


def _districts(indicator_id: str, place: Area) -> pd.DataFrame:
    rows = query.districts_of(indicator_id, [d.code for d in registry().districts_of(place)])
    return rows.assign(role="district", level="district", order=0.5, category=rows.category.fillna(""))


def _small_areas(indicator_id: str, place: Area) -> pd.DataFrame:
    for level in ("msoa", "lsoa"):
        rows = query.small_areas(indicator_id, place, level=level)
        rows = rows[rows.indicator_id.notna()]
        if len(rows):
            return rows.assign(role="small_area", level=level.upper(), order=0.5, category=rows.category.fillna(""))
    return pd.DataFrame()


def _categories(frame: pd.DataFrame, categories: bool | str) -> pd.DataFrame:
    if categories is True:
        return frame
    if isinstance(categories, str) and categories:
        chosen = frame[frame.category == categories]
        if chosen.empty:
            held = sorted(set(frame.category) - {""})
            close = difflib.get_close_matches(categories, held, n=3, cutoff=0.5)
            hint = f"did you mean {' or '.join(close)}?" if close else f"held: {', '.join(held) or 'none'}"
            raise UnknownIndicatorError(f"no category '{categories}' for {frame.indicator_id.iloc[0]}: {hint}")
        return chosen
    whole = frame[frame.category == ""]
    return whole if len(whole) else frame  # published by category only: every category is the answer
