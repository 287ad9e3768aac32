"""The tidy store: raw files turned once into fast tables that every notebook queries.

``data/store/`` (gitignored) holds

- ``indicators/``: one long table, a row per indicator x area x period x category, with the columns in
  :data:`INDICATOR_COLUMNS`, stored as a Parquet dataset partitioned by indicator (one file each, so a notebook
  reads only the indicators it shows);
- ``areas.parquet``: every area the store knows (England, regions, counties, districts/unitaries, MSOAs) with
  its parents;
- ``lsoa_lookup.parquet``: LSOA 2021 -> MSOA 2021 -> district (2023) -> county/UA -> region;
- ``predecessors.parquet``: local authority codes abolished in April 2023 and the unitary that replaced them;
- the small tables of ``build.TABLE_BUILDERS``: ``dfe_la_codes`` (DfE LA number -> GSS code),
  ``statistical_neighbours`` (DfE, May 2025), ``maternity_providers`` (NHS maternity units and their locations)
  and ``msoa_names`` (readable MSOA names);
- ``boundaries_<level>.parquet``: GeoParquet boundaries per mapped level;
- ``registry.json``: the areas (all but MSOAs) and predecessors the area registry needs, read without pandas;
- ``build.json``: what the store was built from and each file's sha256 (:mod:`nbutils.store_state`).

The store is rebuilt when it is missing, when a raw file's sha256 changes, or when the code that builds it
changes; never as a side effect of every notebook run (the check is a hash comparison, the build happens once).
The check itself (:func:`nbutils.store_state.ensure`) imports no pandas; building and reading tables here does.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from . import local_data, locks, paths, store_local, store_state
from .errors import UnknownIndicatorError
from .build import INDICATOR_BUILDERS, TABLE_BUILDERS
from .build.common import ENGLAND_CODE, INDICATOR_COLUMNS, Geography
from .sources import geography

ENGLAND_NAME = "England"


# Area types, from smallest to largest.
AREA_TYPES = ("lsoa", "msoa", "lad", "county", "region", "england")

LAD_KINDS = {
    "E06": "unitary authority",
    "E07": "district",
    "E08": "metropolitan borough",
    "E09": "London borough",
}


# --------------------------------------------------------------------------------------------------- building


def _geography() -> dict[str, pd.DataFrame]:
    """Areas, LSOA lookup and the 2023 predecessor map, for England."""
    region = geography.lad23_region().rename(
        columns={"ltla23_code": "lad_code", "ltla23_name": "lad_name", "region23_code": "region_code",
                 "region23_name": "region_name"}
    )
    upper = geography.lad23_upper_tier().rename(
        columns={"ltla23_code": "lad_code", "utla23_code": "upper_tier_code", "utla23_name": "upper_tier_name"}
    )[["lad_code", "upper_tier_code", "upper_tier_name"]]
    lads = region.merge(upper, on="lad_code", how="left", validate="one_to_one")
    if lads["upper_tier_code"].isna().any():
        raise ValueError("some 2023 districts have no upper tier in lookup_ltla23_utla23.csv")

    rows = [pd.DataFrame({"area_code": [ENGLAND_CODE], "area_name": [ENGLAND_NAME], "area_type": ["england"]})]
    regions = lads[["region_code", "region_name"]].drop_duplicates()
    rows.append(pd.DataFrame({"area_code": regions.region_code, "area_name": regions.region_name,
                              "area_type": "region", "region_code": regions.region_code}))
    counties = lads[lads.upper_tier_code.str.startswith("E10")][
        ["upper_tier_code", "upper_tier_name", "region_code"]
    ].drop_duplicates("upper_tier_code")
    rows.append(pd.DataFrame({"area_code": counties.upper_tier_code, "area_name": counties.upper_tier_name,
                              "area_type": "county", "region_code": counties.region_code}))
    rows.append(pd.DataFrame({
        "area_code": lads.lad_code, "area_name": lads.lad_name, "area_type": "lad",
        "lad_kind": lads.lad_code.str[:3].map(LAD_KINDS),
        "upper_tier_code": lads.upper_tier_code, "region_code": lads.region_code,
    }))

    to23 = geography.lad22_to_lad23().rename(columns={"ltla22_code": "lad22_code", "ltla23_code": "lad_code"})
    lsoa = geography.lsoa_msoa_lad22().rename(columns={"ltla22_code": "lad22_code"})
    lsoa = lsoa.merge(to23[["lad22_code", "lad_code"]], on="lad22_code", how="left")
    lsoa = lsoa[lsoa.lad_code.isin(lads.lad_code)]  # England only
    lsoa = lsoa.merge(lads[["lad_code", "upper_tier_code", "region_code"]], on="lad_code")
    lsoa = lsoa[["lsoa21_code", "lsoa21_name", "msoa21_code", "msoa21_name", "lad22_code", "lad_code",
                 "upper_tier_code", "region_code"]]

    msoas = lsoa[["msoa21_code", "msoa21_name", "lad_code"]].drop_duplicates("msoa21_code")
    rows.append(pd.DataFrame({"area_code": msoas.msoa21_code, "area_name": msoas.msoa21_name,
                              "area_type": "msoa", "lad_code": msoas.lad_code}))
    areas = pd.concat(rows, ignore_index=True)
    # MSOA rows inherit the district's parents so any level can be reached from any row.
    parents = areas[areas.area_type == "lad"].set_index("area_code")[["upper_tier_code", "region_code"]]
    is_msoa = areas.area_type == "msoa"
    areas.loc[is_msoa, "upper_tier_code"] = areas.loc[is_msoa, "lad_code"].map(parents.upper_tier_code)
    areas.loc[is_msoa, "region_code"] = areas.loc[is_msoa, "lad_code"].map(parents.region_code)
    areas.loc[areas.area_type == "lad", "lad_code"] = areas.loc[areas.area_type == "lad", "area_code"]
    areas = areas[["area_code", "area_name", "area_type", "lad_kind", "lad_code", "upper_tier_code",
                   "region_code"]]

    changed = to23[to23.lad22_code != to23.lad_code].rename(
        columns={"ltla22_name": "lad22_name", "ltla23_name": "lad_name"}
    )[["lad22_code", "lad22_name", "lad_code", "lad_name"]]
    return {"areas": areas, "lsoa_lookup": lsoa.reset_index(drop=True),
            "predecessors": changed.reset_index(drop=True)}


def _boundaries(areas: pd.DataFrame, lsoa_lookup: pd.DataFrame) -> dict[str, object]:
    msoa = geography.msoa_boundaries()
    msoa = msoa.merge(areas[areas.area_type == "msoa"][["area_code", "lad_code"]], on="area_code")
    lad = geography.lad_boundaries()
    lad = lad[lad.area_code.isin(areas.loc[areas.area_type == "lad", "area_code"])]
    # LSOA shapes are shipped for Kent and Medway only (the first customer); other areas map by MSOA.
    lsoa = geography.lsoa_boundaries_kent_medway()
    lsoa = lsoa.merge(lsoa_lookup[["lsoa21_code", "lad_code"]].rename(columns={"lsoa21_code": "area_code"}),
                      on="area_code")
    return {"msoa": msoa[["area_code", "area_name", "lad_code", "geometry"]],
            "lsoa": lsoa[["area_code", "area_name", "lad_code", "geometry"]],
            "lad": lad[["area_code", "area_name", "geometry"]]}


def ensure() -> Path:
    """The store folder, built first if missing or out of date (checked once per process)."""
    folder = store_state.current_store()
    if folder is None:
        store_state.check_archives()
        folder = build()
        store_state.mark_current(folder)
    return folder


def local_datasets(root: Path | None = None) -> list:
    """The project's local data, validated against the store's area registry (building the store if needed)."""
    record_read("local:*")
    return local_data.load_all(table("areas"), table("predecessors"), root)


def build(force: bool = False, quiet: bool = True) -> Path:
    """Build the store from data/raw/ (verifying hashes first) unless it is already current."""
    store = paths.store_dir()
    fingerprint = store_state.inputs()  # hashes the raw files: a missing or altered one is named, never served
    # A current store is used without taking the lock: checking writes nothing (an analyst's kernel leaves the
    # project as it found it); a stale or damaged one is rebuilt under the lock, checked again there.
    if not force and store_state.current(store, fingerprint):
        return store
    with _lock(store):
        if not force and store_state.current(store, fingerprint):
            return store
        if not quiet:
            print(f"building the data store in {store} ...", flush=True)
        store.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".store-build-", dir=store.parent))
        try:
            if not force and store_local.only_local_data_changed(store, fingerprint):
                store_local.rebuild_local_tables(store, staging, fingerprint)
                _swap_in(staging, store)
                _clear_caches()
                return store
            geo = _geography()
            # Local data are validated first (a bad file stops the build with one message) and kept in their
            # own table, never mixed into the national indicators.
            datasets = local_data.load_all(geo["areas"], geo["predecessors"])
            local_data.table(datasets).to_parquet(staging / "local_indicators.parquet", index=False)
            local_data.meta_table(datasets).to_parquet(staging / "local_meta.parquet", index=False)
            for name, frame in geo.items():
                frame.to_parquet(staging / f"{name}.parquet", index=False)
            # The area registry's own small index, read without pandas by commands that run no notebook.
            store_state.write_registry_index(staging, geo["areas"], geo["predecessors"])
            context = Geography(areas=geo["areas"], lsoa=geo["lsoa_lookup"])
            indicators = pd.concat([builder(context) for builder in INDICATOR_BUILDERS], ignore_index=True)
            indicators = indicators[INDICATOR_COLUMNS]
            # Later builders win: fetched Fingertips rows (listed last) replace snapshot rows for the same period.
            indicators = indicators.drop_duplicates(
                ["indicator_id", "area_code", "area_type", "period", "category_type", "category"], keep="last")
            indicators = indicators.sort_values(["indicator_id", "area_type", "area_code"], kind="stable")
            _write_indicators(indicators, staging / "indicators")
            for name, table_builder in TABLE_BUILDERS.items():
                table_builder(context).to_parquet(staging / f"{name}.parquet", index=False)
            for level, frame in _boundaries(geo["areas"], geo["lsoa_lookup"]).items():
                frame.to_parquet(staging / f"boundaries_{level}.parquet", index=False)
            # Each table's sha256, so a damaged store (truncated or altered file) is detected and rebuilt.
            written = [*staging.rglob("*.parquet"), staging / store_state.REGISTRY_INDEX]
            files = {f.relative_to(staging).as_posix(): store_state.sha256(f) for f in sorted(written)}
            (staging / store_state.BUILD_RECORD).write_text(json.dumps({**fingerprint, "files": files}, indent=1))
            _swap_in(staging, store)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    _clear_caches()
    return store


def _swap_in(staging: Path, store: Path) -> None:
    """Swap in the finished store in one step so readers never see half a store."""
    old = store.with_name(f".store-old-{os.getpid()}")
    if store.exists():
        store.rename(old)
    staging.rename(store)
    shutil.rmtree(old, ignore_errors=True)


def _write_indicators(indicators: pd.DataFrame, folder: Path) -> None:
    folder.mkdir()
    for indicator_id, rows in indicators.groupby("indicator_id", sort=True):
        rows.reset_index(drop=True).to_parquet(folder / f"{indicator_id}.parquet", index=False)


@contextlib.contextmanager
def _lock(store: Path):
    """Serialise builds between processes (parallel notebooks may all ask at once)."""
    with locks.exclusive(store.parent / ".store.lock"):
        yield


def _clear_caches() -> None:
    _read_table.cache_clear()
    _indicator_ids.cache_clear()
    _indicator_reads.cache_clear()
    _indicator_rows.cache_clear()
    _disclosed_rows.cache_clear()
    _positions_by_area.cache_clear()
    _disclosed_statistic.cache_clear()
    _births.cache_clear()
    _hierarchy.cache_clear()
    _read_boundaries.cache_clear()


# --------------------------------------------------------------------------------------------- read recording
# Every public read below names what it read (``indicator:<id>``, ``table:<name>``, ``boundaries:<level>``,
# ``local:<area code>`` or ``local:*``), so the runner can record each notebook's own inputs and rerun a notebook
# only when one of them changes. A set per recording frame: the bottom one is the process's (taken by the runner
# after each notebook), those above it are per_build calls collecting what their cached result was made from.
_READS: list[set[str]] = [set()]


def record_read(*keys: str) -> None:
    """Note that store data named by ``keys`` were read (by this process, and any per_build call under way)."""
    for reads in _READS:
        reads.update(keys)


def take_reads() -> list[str]:
    """What this process has read from the store since the last call, sorted; the record starts afresh."""
    found = sorted(_READS[0])
    _READS[0].clear()
    return found


@functools.lru_cache(maxsize=None)
def _indicator_reads(folder: Path, indicator_id: str) -> tuple[str, ...]:
    """What an indicator's rows, as they leave the store, are made from: the indicator, and for a
    disclosure-controlled one every held copy of its statistic, the births and the area hierarchy
    (see :func:`_disclosed_rows`)."""
    from . import catalog

    own = (f"indicator:{indicator_id}",)
    try:
        meta = catalog.indicator(indicator_id)
    except UnknownIndicatorError:
        return own
    copies = catalog.copies_of(indicator_id)
    if meta.disclosure in ("census", "none") and meta.implied_events is None and len(copies) == 1:
        return own
    held = _indicator_ids(folder)
    return tuple(sorted({*own, *(f"indicator:{c}" for c in copies if c in held), "indicator:ons_mye_young_children",
                         "table:areas"}))


# --------------------------------------------------------------------------------------------------- querying
# Caches are keyed by the store folder so that a different store (tests, NBUTILS_STORE) never sees stale tables.


@functools.lru_cache(maxsize=None)
def _read_table(folder: Path, name: str) -> pd.DataFrame:
    return pd.read_parquet(folder / f"{name}.parquet")


def table(name: str) -> pd.DataFrame:
    """A whole small store table, read once per process; each caller gets its own copy.

    ``name`` is one of areas, lsoa_lookup, predecessors, local_indicators, local_meta or a table of
    ``build.TABLE_BUILDERS`` (dfe_la_codes, statistical_neighbours, maternity_providers, msoa_names).
    """
    folder = ensure()
    if name not in ("areas", "lsoa_lookup", "predecessors", "local_indicators", "local_meta", *TABLE_BUILDERS):
        raise ValueError(f"no store table '{name}'; known: areas, lsoa_lookup, predecessors, local_indicators, "
                         f"local_meta, {', '.join(TABLE_BUILDERS)}")
    record_read("local:*" if name.startswith("local_") else f"table:{name}")
    return _read_table(folder, name).copy()  # an in-place edit by one caller must not change the cache


def local_rows(name: str, area_codes: list[str] | None = None, indicator_id: str | None = None) -> pd.DataFrame:
    """The rows of a local data table (``local_indicators`` or ``local_meta``) for ``area_codes`` (default: every
    area), and for ``indicator_id`` only when given, recorded as read for those areas only: a dataset added for
    another authority reruns nothing here.

    Rows of no area (a dataset's definitions) come with every selection: a definition matters to an area only
    where its dataset has figures for that area, and those figures are recorded as read."""
    if name not in ("local_indicators", "local_meta"):
        raise ValueError(f"no local data table '{name}'; known: local_indicators, local_meta")
    folder, codes = ensure(), None if area_codes is None else list(area_codes)
    frame = _read_table(folder, name)
    record_read(*(["local:*"] if codes is None else [f"local:{code}" for code in codes]))
    if indicator_id is not None:  # most indicators have no local figures: nothing to filter
        held = indicator_id in _local_ids(folder, name)
        frame = frame[frame["indicator_id"] == indicator_id] if held else frame.iloc[:0]
    if codes is None or frame.empty:
        return frame.copy()
    return frame[frame["area_code"].isin(codes) | frame["area_code"].fillna("").eq("")].copy()


@functools.lru_cache(maxsize=None)
def _local_ids(folder: Path, name: str) -> frozenset:
    return frozenset(_read_table(folder, name)["indicator_id"].dropna())


@functools.lru_cache(maxsize=None)
def _indicator_ids(folder: Path) -> frozenset[str]:
    return frozenset(p.stem for p in (folder / "indicators").glob("*.parquet"))


@functools.lru_cache(maxsize=64)
def _indicator_rows(folder: Path, indicator_id: str) -> pd.DataFrame:
    return pd.read_parquet(folder / "indicators" / f"{indicator_id}.parquet")


@functools.lru_cache(maxsize=64)
def _disclosed_rows(folder: Path, indicator_id: str) -> pd.DataFrame:
    """The indicator's rows as they may leave the store: this is the only way data leave it.

    Indicators with a disclosure rule (or rates without counts) have their values and limits rounded to the
    decimals the catalogue says the source publishes, so no page or CSV carries more precision than the source
    (a rate to ten significant figures is a count in disguise), and are then controlled together with every other copy of the same statistic (catalogue ``statistic``), over the union of
    what the copies show: see :func:`nbutils.disclosure.control_statistic` (count rule, implied events, one
    withheld cell withheld in every copy, complementary suppression along the area hierarchy and across
    overlapping periods), then across any category total. Withheld rows keep their place with count, value and
    limits blanked and the one ``[c]`` note, which replaces any published comparison.
    """
    from . import catalog, disclosure

    frame = _indicator_rows(folder, indicator_id)
    try:
        meta = catalog.indicator(indicator_id)
    except UnknownIndicatorError:
        return frame
    copies = catalog.copies_of(indicator_id)
    if meta.disclosure in ("census", "none") and meta.implied_events is None and len(copies) == 1:
        return frame  # nothing disclosive: published as held (the CSV writer shows the stated precision)
    safe = _disclosed_statistic(folder, tuple(copies))[indicator_id]
    if meta.category_total and safe["suppressed"].any():
        derived = list(disclosure.VALUE_COLUMNS)
        edges = _category_edges(safe, meta.category_total)
        cells = ["indicator_id", "area_code", "area_type", "period", "category_type"]
        size = pd.to_numeric(frame["count"], errors="coerce")
        safe = disclosure.complementary_suppression(safe.assign(_size=size), edges, cells, key="category",
                                                    size="_size", derived_cols=derived)
    return safe[INDICATOR_COLUMNS]


@functools.lru_cache(maxsize=16)
def _disclosed_statistic(folder: Path, indicator_ids: tuple[str, ...]) -> dict[str, pd.DataFrame]:
    """Every held copy of one statistic, disclosure-controlled together (see :func:`_disclosed_rows`)."""
    from . import catalog, disclosure

    held = _indicator_ids(folder)
    copies, rules = {}, {}
    for indicator_id in indicator_ids:
        if indicator_id not in held:
            continue
        meta = catalog.indicator(indicator_id)
        copies[indicator_id] = _indicator_rows(folder, indicator_id)
        implied = meta.implied_events
        rules[indicator_id] = disclosure.Copy(rule=meta.disclosure, decimals=meta.decimals,
                                              per=implied.per if implied else None,
                                              births_years=implied.births_years if implied else 1)
    return disclosure.control_statistic(copies, rules, _hierarchy(folder), _births(folder))


@functools.lru_cache(maxsize=None)
def _births(folder: Path) -> pd.Series:
    """Births a year by area code, approximated by ONS mid-2020 residents aged under 1 (see the catalogue)."""
    mye = _indicator_rows(folder, "ons_mye_young_children")
    under1 = mye[mye["category"] == "Aged under 1"]
    return pd.to_numeric(under1["count"], errors="coerce").groupby(under1["area_code"]).max()


@functools.lru_cache(maxsize=None)
def _hierarchy(folder: Path) -> pd.DataFrame:
    """Which published totals are sums of which areas: county = its districts, region = its upper tiers
    (counties and unitaries), England = its regions, district = its MSOAs."""
    areas = _read_table(folder, "areas")
    lads = areas[areas.area_type == "lad"]
    two_tier = lads[lads.upper_tier_code != lads.area_code]
    unitary = lads[lads.upper_tier_code == lads.area_code]
    counties = areas[areas.area_type == "county"]
    regions = areas[areas.area_type == "region"]
    msoas = areas[areas.area_type == "msoa"]
    parts = [(two_tier.upper_tier_code, two_tier.area_code), (counties.region_code, counties.area_code),
             (unitary.region_code, unitary.area_code), (pd.Series(ENGLAND_CODE, index=regions.index),
                                                        regions.area_code), (msoas.lad_code, msoas.area_code)]
    return pd.concat([pd.DataFrame({"parent": p.to_numpy(), "child": c.to_numpy()}) for p, c in parts],
                     ignore_index=True).dropna()


def _category_edges(frame: pd.DataFrame, total: str) -> pd.DataFrame:
    """Every category is a member of the category named ``total`` (its category total)."""
    members = sorted(set(frame["category"].dropna()) - {total})
    return pd.DataFrame({"parent": total, "child": members})


def indicator_data(indicator_id: str, area_codes: list[str] | None = None,
                   area_type: str | None = None) -> pd.DataFrame:
    """Rows of the long indicator table for one indicator, optionally limited to areas or an area type."""
    folder = ensure()
    known = _indicator_ids(folder)
    if indicator_id not in known:
        raise UnknownIndicatorError(
            f"indicator '{indicator_id}' is not in the data store; known: {', '.join(sorted(known))}"
        )
    record_read(*_indicator_reads(folder, indicator_id))
    frame = _disclosed_rows(folder, indicator_id)
    if area_codes is not None:
        # Positions from a per-indicator index, not a scan: pages ask for a handful of areas of a national table.
        where = _positions_by_area(folder, indicator_id)
        found = [where[code] for code in dict.fromkeys(area_codes) if code in where]
        frame = frame.take(np.sort(np.concatenate(found)) if found else np.array([], dtype=np.intp))
    if area_type is not None:
        frame = frame[frame["area_type"] == area_type]
    return frame.reset_index(drop=True)


@functools.lru_cache(maxsize=64)
def _positions_by_area(folder: Path, indicator_id: str) -> dict[str, np.ndarray]:
    """Row positions of each area in the indicator's disclosed rows."""
    codes = _disclosed_rows(folder, indicator_id)["area_code"].astype(object).to_numpy()
    return dict(pd.Series(np.arange(len(codes))).groupby(codes, sort=False).indices)


def build_stamp() -> tuple:
    """The store folder and when it was built: what a per-process cache of store data is keyed by."""
    folder = ensure()
    return folder, (folder / store_state.BUILD_RECORD).stat().st_mtime_ns


def per_build(maxsize: int = 512):
    """Cache a function of store data for this process and this store build; each caller gets its own copy.

    For what every area of a batch reads alike (all districts' values, a county's neighbours, an indicator's
    series): worked out once per warm kernel, read afresh when the store is rebuilt. Arguments must be hashable.
    """
    def decorate(function):
        @functools.lru_cache(maxsize=maxsize)
        def cached(stamp, *args, **kwargs):
            _READS.append(set())  # what the result is made from, replayed for every later caller
            try:
                return function(*args, **kwargs), tuple(_READS[-1])
            finally:
                _READS.pop()

        @functools.wraps(function)
        def wrapper(*args, **kwargs):
            result, reads = cached(build_stamp(), *args, **kwargs)
            record_read(*reads)
            return result.copy() if hasattr(result, "copy") else result  # a caller may change its frame

        wrapper.cache_clear = cached.cache_clear
        return wrapper
    return decorate


def all_indicators() -> pd.DataFrame:
    """The whole long indicator table (every indicator), disclosure-controlled as :func:`indicator_data` is."""
    folder = ensure()
    for indicator_id in _indicator_ids(folder):
        record_read(*_indicator_reads(folder, indicator_id))
    return pd.concat([_disclosed_rows(folder, i) for i in sorted(_indicator_ids(folder))], ignore_index=True)


@functools.lru_cache(maxsize=None)
def _read_boundaries(folder: Path, level: str):
    import geopandas as gpd

    path = folder / f"boundaries_{level}.parquet"
    if not path.exists():
        raise ValueError(f"no boundaries for level '{level}'; available: lsoa (Kent and Medway), msoa, lad")
    return gpd.read_parquet(path)


def boundaries(level: str):
    """GeoDataFrame of boundaries for ``level`` ('lsoa' for Kent and Medway, 'msoa' or 'lad'), WGS84."""
    record_read(f"boundaries:{level}")
    return _read_boundaries(ensure(), level)
