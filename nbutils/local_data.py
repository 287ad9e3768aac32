"""An authority's own local data: folders under ``data/local/<dataset>/``, validated, then stored apart.

Each folder holds ``source.yaml`` (who published the figures, when, under which licence, the disclosure rule,
and a definition for any indicator the catalogue lacks) and one or more CSV files in a small long format
(see docs/local-data.md). Every problem is reported as one :class:`LocalDataError` naming the file, line and
column and saying what to do; the command line turns it into one line and exit status 2.

Local rows go to their own store table (``local_indicators``, columns :data:`LOCAL_COLUMNS`), never into the
national indicator table, so a local figure is always shown as what it is: "local data: <publisher>, <date>".
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import catalog, disclosure, local_cache, paths
from .build.common import INDICATOR_COLUMNS
from .errors import UnknownIndicatorError, WorkbookError
from .local_csv import NUMBER_COLUMNS, OPTIONAL_COLUMNS, REQUIRED_COLUMNS  # noqa: F401 (this module's interface)
from .local_csv import Context, Problem, check_rows, first, read_columns
from .local_files import dataset_folders, file_hashes, local_dir  # noqa: F401 (part of this module's interface)

#: Columns of the ``local_indicators`` store table.
LOCAL_COLUMNS = [*INDICATOR_COLUMNS, "dataset", "publisher", "title", "published", "licence", "reference",
                 "disclosure", "label", "rag_published"]
#: Columns of the ``local_meta`` store table: one row per definition, target year or benchmark (``kind``).
META_COLUMNS = ["dataset", "label", "reference", "kind", "indicator_id", "area_code", "name", "definition", "unit",
                "polarity", "code", "service", "role", "decimals", "year", "target", "floor", "value", "period",
                "note", "source"]

#: Area types a local figure may be given for (GSS codes in the area registry).
AREA_TYPES = ("lad", "county", "region", "england")

_NUMERIC = ("count", "denominator", "value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998")
_DATASET_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]*$")


class LocalDataError(WorkbookError):
    """A local data folder that is malformed; the message names file, line and column and what to do."""


# --------------------------------------------------------------------------------------------------- models


class Definition(BaseModel):
    """What a local indicator is, for an id that nbutils/catalog.yaml does not hold."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    definition: str = Field(min_length=1)
    unit: str = Field(min_length=1)
    polarity: Literal["high-is-good", "low-is-good", "no-judgement"]
    multiplier: float = Field(gt=0)
    #: "outcome" (a population measure) or "service" (a key performance indicator of a commissioned service).
    role: Literal["outcome", "service"] = "outcome"
    code: str | None = None       # the authority's own reference, e.g. PH14
    service: str | None = None    # the service a KPI measures, e.g. Health Visiting
    decimals: int | None = Field(default=None, ge=0, le=4)
    minimum: float | None = None  # lowest value allowed (default 0)
    maximum: float | None = None  # highest value allowed (default 100 for a percentage, else none)


class YearTarget(BaseModel):
    """The target (and optional floor standard) for one year."""

    model_config = ConfigDict(extra="forbid")

    target: float
    floor: float | None = None


class Target(BaseModel):
    """An authority's targets for one indicator, by year, and where they were set."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    indicator: str = Field(min_length=1)
    area_code: str = Field(min_length=1)
    source: str = Field(min_length=1)
    years: dict[str, YearTarget] = Field(min_length=1)

    @field_validator("years", mode="before")
    @classmethod
    def _years_as_text(cls, value):
        return {str(k): v for k, v in value.items()} if isinstance(value, dict) else value


class Benchmark(BaseModel):
    """A comparator figure the authority supplies for one indicator (e.g. its CIPFA nearest neighbours' average)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    indicator: str = Field(min_length=1)
    area_code: str = Field(min_length=1)
    name: str = Field(min_length=1)
    value: float
    period: str | None = None
    note: str | None = None

    @field_validator("period", mode="before")
    @classmethod
    def _period_as_text(cls, value):
        return None if value is None else str(value)


class Source(BaseModel):
    """Provenance of one local dataset (``source.yaml``)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    publisher: str = Field(min_length=1)
    title: str = Field(min_length=1)
    published: date
    periods: list[str] = Field(min_length=1)
    licence: str = Field(min_length=1)
    url: str | None = None
    document: str | None = None
    contact: str | None = None
    disclosure: Literal["hospital", "maternity", "ons_vital", "census", "none"]
    indicators: dict[str, Definition] = {}
    targets: list[Target] = []
    benchmarks: list[Benchmark] = []

    @field_validator("periods", mode="before")
    @classmethod
    def _periods_as_text(cls, value):
        # YAML reads 2023 as a number; a period is a label, so keep it as written.
        return [str(v) for v in value] if isinstance(value, list) else value

    @model_validator(mode="after")
    def _reference(self):
        if not (self.url or self.document):
            raise ValueError("give 'url' or 'document' so readers can find the original publication")
        return self

    @property
    def reference(self) -> str:
        return self.url or self.document or ""

    @property
    def label(self) -> str:
        """How every local figure is labelled beside national ones."""
        return f"local data: {self.publisher}, {self.published.day} {self.published:%B %Y}"


@dataclass(frozen=True)
class LocalDataset:
    """One validated local dataset: its provenance and its rows (columns :data:`LOCAL_COLUMNS`)."""

    name: str
    source: Source
    rows: pd.DataFrame
    files: tuple[str, ...]
    meta: pd.DataFrame | None = None  # definitions, targets and benchmarks (columns META_COLUMNS)

    def info(self) -> dict[str, str]:
        """What the page footer names: dataset, publisher, title, published date, licence, reference."""
        s = self.source
        return {"dataset": self.name, "publisher": s.publisher, "title": s.title,
                "published": s.published.isoformat(), "licence": s.licence, "reference": s.reference,
                "label": s.label}


# --------------------------------------------------------------------------------------------------- files


def _shown(path: Path) -> str:
    """The path as the user knows it (relative to the project), never a machine path."""
    try:
        return str(path.resolve().relative_to(paths.project_root()))
    except ValueError:
        return f"{path.parent.name}/{path.name}"


def _read_text(path: Path) -> str:
    return _read_bytes(path).decode("utf-8-sig")


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, once checked to be UTF-8 (the decoded text is not kept: a large file stays one copy)."""
    data = path.read_bytes()
    try:
        data.decode("utf-8-sig")
        return data
    except UnicodeDecodeError as error:
        line = data[:error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise LocalDataError(
            f"{_shown(path)}, line {line}, byte {column}: the file is not UTF-8 (byte "
            f"0x{data[error.start]:02x}); save it as 'CSV UTF-8' (or UTF-8 text) and try again"
        ) from None


# --------------------------------------------------------------------------------------------------- source.yaml


def _key_lines(text: str) -> dict[tuple[str, ...], int]:
    """Line number of each key in a YAML mapping (two levels deep under 'indicators'), for error messages."""
    lines: dict[tuple[str, ...], int] = {}

    def walk(node, prefix, depth):
        if not isinstance(node, yaml.MappingNode) or depth > 2:
            return
        for key, value in node.value:
            path = (*prefix, str(key.value))
            lines[path] = key.start_mark.line + 1
            walk(value, path, depth + 1)

    try:
        walk(yaml.compose(text), (), 0)
    except yaml.YAMLError:
        pass
    return lines


def _load_source(folder: Path) -> Source:
    path = folder / "source.yaml"
    if not path.is_file():
        raise LocalDataError(f"{_shown(folder)}: no source.yaml; add one naming publisher, title, published, "
                             f"periods, licence, url or document and disclosure (see docs/local-data.md)")
    text = _read_text(path)
    try:
        raw = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f", line {mark.line + 1}" if mark else ""
        raise LocalDataError(f"{_shown(path)}{where}: not valid YAML ({getattr(error, 'problem', error)}); "
                             f"fix the indentation or quoting") from None
    if not isinstance(raw, dict):
        raise LocalDataError(f"{_shown(path)}: expected 'field: value' lines (publisher, title, ...); "
                             f"see docs/local-data.md")
    try:
        return Source(**raw)
    except ValidationError as error:
        problem = error.errors()[0]
        loc = tuple(str(p) for p in problem["loc"])
        field = ".".join(loc)
        if problem["type"] == "missing":
            raise LocalDataError(f"{_shown(path)}: missing field '{field}'; add it (provenance is required for "
                                 f"every local dataset, see docs/local-data.md)") from None
        line = _key_lines(text).get(loc) or _key_lines(text).get(loc[:1])
        where = f", line {line}" if line else ""
        if problem["type"] == "extra_forbidden":
            what = f"unknown field '{field}'; remove it or check its spelling"
        elif not loc:
            what = problem["msg"].removeprefix("Value error, ")
        else:
            what = f"field '{field}': {problem['msg']}; correct it"
        raise LocalDataError(f"{_shown(path)}{where}: {what}") from None


# --------------------------------------------------------------------------------------------------- CSV rows


def _unit_of(indicator_id: str, source: Source) -> str | None:
    """The indicator's unit: the dataset's own definition first, then the catalogue; None if unknown."""
    if indicator_id in source.indicators:
        return source.indicators[indicator_id].unit
    try:
        return catalog.indicator(indicator_id).unit
    except UnknownIndicatorError:
        return None


def _bounds(indicator_id: str, unit: str, source: Source) -> tuple[float, float]:
    """Lowest and highest value allowed: 0-100 for a percentage, 0 or more otherwise, unless the definition says."""
    definition = source.indicators.get(indicator_id)
    low = definition.minimum if definition and definition.minimum is not None else 0.0
    high = 100.0 if unit.strip() == "%" else float("inf")
    if definition and definition.maximum is not None:
        high = definition.maximum
    return low, high


def _fail(path: Path, line: int | None, column: str | None, what: str) -> LocalDataError:
    where = (f", line {line}" if line else "") + (f", column '{column}'" if column else "")
    return LocalDataError(f"{_shown(path)}{where}: {what}")


def _area_lookup(areas: pd.DataFrame) -> pd.DataFrame:
    usable = areas[areas.area_type.isin(AREA_TYPES)]
    return usable.set_index("area_code")[["area_name", "area_type"]]


def _context(source: Source, places: pd.DataFrame, abolished: dict[str, str],
             rule: disclosure.Rule, ids) -> Context:
    units = {i: u for i in ids if (u := _unit_of(i, source)) is not None}
    return Context(units=units, bounds={i: _bounds(i, u, source) for i, u in units.items()}, places=places,
                   abolished=abolished, periods=tuple(source.periods), max_suppressed=rule.max_suppressed,
                   rule_name=rule.name)


def _read_csv(path: Path, source: Source, places: pd.DataFrame, abolished: dict[str, str],
              rule: disclosure.Rule) -> pd.DataFrame:
    """One CSV file checked in full (columns vectorised); the first problem in file order raises."""
    from .names import normalise

    def fail(line, column, what):
        return _fail(path, line, column, what)

    _, frame, lines = read_columns(_read_bytes(path), fail)
    context = _context(source, places, abolished, rule, frame["indicator"].unique())
    rows, problems = check_rows(frame, lines, context, normalise)
    del frame
    keys = ["indicator", "area_code", "period"]
    again = rows.duplicated(keys, keep="first").to_numpy()
    if again.any():
        first_line = pd.Series(lines).groupby([rows[k] for k in keys]).transform("min").to_numpy()
        problems.append(Problem(np.flatnonzero(again), None, lambda row: (
            f"duplicate row: {rows.indicator.iat[row]} for {rows.area_code.iat[row]} in {rows.period.iat[row]} is "
            f"already given at {path.name} line {first_line[row]}; keep one")))
    found = first(problems, lines)
    if found:
        line, problem, row = found
        raise _fail(path, line, problem.column, problem.message(row))
    return rows.assign(file=path.name, line=lines)


def _duplicates(rows: pd.DataFrame, folder: Path) -> None:
    """Refuse an indicator, area and period given twice in a dataset (naming where it was first given)."""
    keys = ["indicator", "area_code", "period"]
    again = rows.duplicated(keys, keep="first")
    if not again.any():
        return
    later = rows[again].iloc[0]
    earlier = rows[(rows[keys] == later[keys]).all(axis=1)].iloc[0]
    raise _fail(folder / later.file, int(later.line), None,
                f"duplicate row: {later.indicator} for {later.area_code} in {later.period} is already given at "
                f"{earlier.file} line {int(earlier.line)}; keep one")


def _meta(name: str, source: Source, places: pd.DataFrame, path: Path) -> pd.DataFrame:
    """Definitions, targets and benchmarks of source.yaml as rows of the ``local_meta`` table (checked)."""
    records = []
    base = {"dataset": name, "label": source.label, "reference": source.reference}
    for indicator_id, d in source.indicators.items():
        records.append({**base, "kind": "definition", "indicator_id": indicator_id, "name": d.name,
                        "definition": d.definition, "unit": d.unit, "polarity": d.polarity, "code": d.code or "",
                        "service": d.service or "", "role": d.role,
                        "decimals": float("nan") if d.decimals is None else d.decimals})
    for entry in [*source.targets, *source.benchmarks]:
        if _unit_of(entry.indicator, source) is None:
            raise _fail(path, None, None, f"'{entry.indicator}' under targets/benchmarks is not in the catalogue and "
                                          f"has no definition under 'indicators:'; define it or correct the id")
        if entry.area_code.upper() not in places.index:
            raise _fail(path, None, None, f"'{entry.area_code}' under targets/benchmarks is not the GSS code of an "
                                          f"English area; check it against `nbutils areas`")
    for t in source.targets:
        for year, goal in t.years.items():
            records.append({**base, "kind": "target", "indicator_id": t.indicator, "area_code": t.area_code.upper(),
                            "year": year, "target": goal.target,
                            "floor": float("nan") if goal.floor is None else goal.floor, "source": t.source})
    for b in source.benchmarks:
        records.append({**base, "kind": "benchmark", "indicator_id": b.indicator, "area_code": b.area_code.upper(),
                        "name": b.name, "value": b.value, "period": b.period or "", "note": b.note or ""})
    return _meta_frame(records)


def _meta_frame(records: list[dict]) -> pd.DataFrame:
    numeric = ("decimals", "target", "floor", "value")
    frame = pd.DataFrame(records, columns=META_COLUMNS)
    for column in META_COLUMNS:
        frame[column] = frame[column].astype(float) if column in numeric else frame[column].astype(object).fillna("").astype(str)
    return frame


# --------------------------------------------------------------------------------------------------- datasets


def load_dataset(folder: Path, areas: pd.DataFrame, predecessors: pd.DataFrame | None = None) -> LocalDataset:
    """Validate one dataset folder and return it.

    Parameters
    ----------
    folder : the dataset folder (holding source.yaml and CSV files).
    areas : the store's areas table (area_code, area_name, area_type).
    predecessors : optional table of codes abolished in 2023 (lad22_code, lad_name), for a helpful message.

    Raises
    ------
    LocalDataError
        The first problem found, in one line naming file, line and column.
    """
    if not _DATASET_NAME.match(folder.name):
        raise LocalDataError(f"{_shown(folder)}: name the folder in lower case letters, digits and '-' only, "
                             f"e.g. kcc-health-visiting-2022-23")
    source = _load_source(folder)
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".csv")
    if not files and not source.targets:
        raise LocalDataError(f"{_shown(folder)}: no .csv file; add the figures in the long format "
                             f"(see docs/local-data.md)")
    places = _area_lookup(areas)
    meta = _meta(folder.name, source, places, folder / "source.yaml")
    key = local_cache.key(folder, places.index)
    rows = local_cache.read(folder.name, key)
    if rows is None:
        abolished = ({} if predecessors is None else
                     dict(zip(predecessors.lad22_code, predecessors.lad_name + " (" + predecessors.lad_code + ")")))
        rule = disclosure.RULES[source.disclosure]
        parts = [_read_csv(path, source, places, abolished, rule) for path in files]
        rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()
        if files and rows.empty:
            raise LocalDataError(f"{_shown(files[0])}: no data rows; add rows under the header or delete the file")
        if len(parts) > 1:
            _duplicates(rows, folder)
        rows = rows.drop(columns=["file", "line"], errors="ignore")
        local_cache.write(folder.name, key, rows)
    return LocalDataset(folder.name, source, _as_local_rows(rows, folder.name, source),
                        tuple(p.name for p in files), meta)


def _as_local_rows(rows: pd.DataFrame, name: str, source: Source) -> pd.DataFrame:
    if rows.empty:
        return table([])
    rows = rows.rename(columns={"indicator": "indicator_id", "note": "value_note", "rag": "rag_published"})
    # The same text on every row: held once (a category), not once per row (a large file would hold it 700,000 times).
    constant = {"category_type": "", "category": "", "source": f"local:{name}", "dataset": name,
                "publisher": source.publisher, "title": source.title, "published": source.published.isoformat(),
                "licence": source.licence, "reference": source.reference, "disclosure": source.disclosure,
                "label": source.label}
    rows = rows.assign(lower_ci998=float("nan"), upper_ci998=float("nan"),
                       **{k: pd.Categorical.from_codes(np.zeros(len(rows), dtype=np.int8), [v])
                          for k, v in constant.items()})
    return rows[LOCAL_COLUMNS].reset_index(drop=True)


def load_all(areas: pd.DataFrame, predecessors: pd.DataFrame | None = None,
             root: Path | None = None) -> list[LocalDataset]:
    """Validate every dataset under ``root`` (default ``data/local/``); the first problem raises."""
    return [load_dataset(folder, areas, predecessors) for folder in dataset_folders(root)]


def table(datasets: list[LocalDataset]) -> pd.DataFrame:
    """The ``local_indicators`` store table for these datasets (an empty frame with its columns if none)."""
    frames = [d.rows for d in datasets if len(d.rows)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c in _NUMERIC else object) for c in LOCAL_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype({c: float for c in _NUMERIC})


def meta_table(datasets: list[LocalDataset]) -> pd.DataFrame:
    """The ``local_meta`` store table: each dataset's definitions, targets and benchmarks (columns META_COLUMNS)."""
    frames = [d.meta for d in datasets if d.meta is not None and len(d.meta)]
    return pd.concat(frames, ignore_index=True) if frames else _meta_frame([])


