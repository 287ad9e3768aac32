"""An authority's own local data: folders under ``data/local/<dataset>/``, validated, then stored apart.

Each folder holds ``source.yaml`` (who published the figures, when, under which licence, the disclosure rule,
and a definition for any indicator the catalogue lacks) and one or more CSV files in a small long format
(see docs/local-data.md). Every problem is reported as one :class:`LocalDataError` naming the file, line and
column and saying what to do; the command line turns it into one line and exit status 2.

Local rows go to their own store table (``local_indicators``, columns :data:`LOCAL_COLUMNS`), never into the
national indicator table, so a local figure is always shown as what it is: "local data: <publisher>, <date>".
"""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

import pandas as pd
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from . import catalog, disclosure, paths
from .build.common import INDICATOR_COLUMNS
from .errors import UnknownIndicatorError, WorkbookError
from .local_files import dataset_folders, file_hashes, local_dir  # noqa: F401 (part of this module's interface)

#: Columns of the ``local_indicators`` store table.
LOCAL_COLUMNS = [*INDICATOR_COLUMNS, "dataset", "publisher", "title", "published", "licence", "reference",
                 "disclosure", "label"]

REQUIRED_COLUMNS = ("indicator", "area_code", "period", "value")
OPTIONAL_COLUMNS = ("area_name", "count", "denominator", "lower_ci95", "upper_ci95", "note")
NUMBER_COLUMNS = ("value", "count", "denominator", "lower_ci95", "upper_ci95")

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


class Row(BaseModel):
    """One CSV row of the long format (numbers parsed strictly: no NaN, no thousands separators)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, allow_inf_nan=False)

    indicator: str = Field(min_length=1)
    area_code: str = Field(min_length=1)
    area_name: str | None = None
    period: str = Field(min_length=1)
    value: float
    count: float | None = None
    denominator: float | None = None
    lower_ci95: float | None = None
    upper_ci95: float | None = None
    note: str = ""


@dataclass(frozen=True)
class LocalDataset:
    """One validated local dataset: its provenance and its rows (columns :data:`LOCAL_COLUMNS`)."""

    name: str
    source: Source
    rows: pd.DataFrame
    files: tuple[str, ...]

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
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
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


def _fail(path: Path, line: int, column: str | None, what: str) -> LocalDataError:
    where = f", column '{column}'" if column else ""
    return LocalDataError(f"{_shown(path)}, line {line}{where}: {what}")


def _parse_row(path: Path, line: int, record: dict[str, str]) -> Row:
    values = {k: (v.strip() if v.strip() != "" else None) for k, v in record.items()}
    for column in REQUIRED_COLUMNS:
        if values.get(column) is None:
            raise _fail(path, line, column, "empty; every row needs indicator, area_code, period and value "
                                            "(leave out rows you cannot publish)")
    try:
        return Row(**{k: v for k, v in values.items() if v is not None})
    except ValidationError as error:
        problem = error.errors()[0]
        column = str(problem["loc"][0])
        given = values.get(column)
        if column in NUMBER_COLUMNS:
            raise _fail(path, line, column, f"'{given}' is not a number; write digits with a decimal point "
                                            f"and no thousands separators or symbols, e.g. 38.9") from None
        raise _fail(path, line, column, f"{problem['msg']}; correct it") from None


def _area_lookup(areas: pd.DataFrame) -> pd.DataFrame:
    usable = areas[areas.area_type.isin(AREA_TYPES)]
    return usable.set_index("area_code")[["area_name", "area_type"]]


def _check_row(path: Path, line: int, row: Row, source: Source, places: pd.DataFrame,
               abolished: dict[str, str], rule: disclosure.Rule) -> str:
    """Check one parsed row against the registry, the catalogue and the rules; return its area type."""
    from .areas import normalise

    unit = _unit_of(row.indicator, source)
    if unit is None:
        raise _fail(path, line, "indicator", f"'{row.indicator}' is not in the catalogue and source.yaml has no "
                                             f"definition for it; add it under 'indicators:' in source.yaml "
                                             f"(name, definition, unit, polarity, multiplier)")
    code = row.area_code.upper()
    if code not in places.index:
        if code in abolished:
            what = f"'{row.area_code}' was abolished in April 2023; use the code of {abolished[code]}"
        else:
            what = (f"'{row.area_code}' is not the GSS code of an English district, unitary authority, county, "
                    f"region or England; check it against `nbutils areas`")
        raise _fail(path, line, "area_code", what)
    if row.area_name is not None and normalise(row.area_name) != normalise(places.at[code, "area_name"]):
        raise _fail(path, line, "area_name", f"'{row.area_name}' does not match {code}, which is "
                                             f"{places.at[code, 'area_name']}; correct the code or the name")
    if row.period not in source.periods:
        raise _fail(path, line, "period", f"'{row.period}' is not one of the periods in source.yaml "
                                          f"({', '.join(source.periods)}); add it there or correct it")
    if unit.strip() == "%":
        for column in ("value", "lower_ci95", "upper_ci95"):
            number = getattr(row, column)
            if number is not None and not 0 <= number <= 100:
                raise _fail(path, line, column, f"{number:g} is outside 0-100 for a percentage; give the "
                                                f"percentage (38.9), not a fraction (0.389)")
    for column in ("count", "denominator"):
        number = getattr(row, column)
        if number is not None and (number < 0 or number != math.floor(number)):
            raise _fail(path, line, column, f"{number:g} is not a whole number of 0 or more; give the count "
                                            f"itself")
    if row.count is not None and row.denominator is not None and row.count > row.denominator:
        raise _fail(path, line, "count", f"count {row.count:g} is larger than the denominator "
                                         f"{row.denominator:g}; check the two columns are not swapped")
    if (row.lower_ci95 is not None and row.lower_ci95 > row.value) or \
            (row.upper_ci95 is not None and row.upper_ci95 < row.value):
        raise _fail(path, line, "lower_ci95" if row.lower_ci95 is not None and row.lower_ci95 > row.value
                    else "upper_ci95", "the confidence interval does not contain the value; check the columns")
    if row.count is not None and 1 <= row.count <= rule.max_suppressed:
        raise _fail(path, line, "count", f"a count of {row.count:g} is in the range 1-{rule.max_suppressed} "
                                         f"that the dataset's disclosure rule '{rule.name}' suppresses; remove "
                                         f"this row (small numbers must not be published)")
    return str(places.at[code, "area_type"])


def _read_csv(path: Path, source: Source, places: pd.DataFrame, abolished: dict[str, str],
              rule: disclosure.Rule, seen: dict[tuple[str, str, str], str]) -> list[dict]:
    text = _read_text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise LocalDataError(f"{_shown(path)}: the file is empty; give a header line "
                             f"({','.join(REQUIRED_COLUMNS)}) and rows, or delete the file") from None
    for column in header:
        if column not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
            raise _fail(path, 1, column, f"unknown column; allowed: {', '.join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)}")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise _fail(path, 1, None, f"no '{column}' column; the header needs {', '.join(REQUIRED_COLUMNS)}")
    if len(set(header)) != len(header):
        raise _fail(path, 1, None, "a column name appears twice; keep one of each")
    rows = []
    for fields in reader:
        line = reader.line_num
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != len(header):
            raise _fail(path, line, None, f"{len(fields)} fields where the header has {len(header)}; quote any "
                                          f"value that contains a comma")
        row = _parse_row(path, line, dict(zip(header, fields)))
        area_type = _check_row(path, line, row, source, places, abolished, rule)
        key = (row.indicator, row.area_code.upper(), row.period)
        if key in seen:
            raise _fail(path, line, None, f"duplicate row: {row.indicator} for {key[1]} in {row.period} is "
                                          f"already given at {seen[key]}; keep one")
        seen[key] = f"{path.name} line {line}"
        rows.append({**row.model_dump(), "area_code": key[1], "area_type": area_type})
    return rows


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
    if not files:
        raise LocalDataError(f"{_shown(folder)}: no .csv file; add the figures in the long format "
                             f"(see docs/local-data.md)")
    places = _area_lookup(areas)
    abolished = ({} if predecessors is None
                 else dict(zip(predecessors.lad22_code, predecessors.lad_name + " (" + predecessors.lad_code + ")")))
    rule = disclosure.RULES[source.disclosure]
    seen: dict[tuple[str, str, str], str] = {}
    records = [r for path in files for r in _read_csv(path, source, places, abolished, rule, seen)]
    rows = pd.DataFrame(records)
    if rows.empty:
        raise LocalDataError(f"{_shown(files[0])}: no data rows; add rows under the header or delete the file")
    rows = rows.rename(columns={"indicator": "indicator_id", "note": "value_note"})
    rows = rows.assign(category_type="", category="", lower_ci998=float("nan"), upper_ci998=float("nan"),
                       source=f"local:{folder.name}", dataset=folder.name, publisher=source.publisher,
                       title=source.title, published=source.published.isoformat(), licence=source.licence,
                       reference=source.reference, disclosure=source.disclosure, label=source.label)
    return LocalDataset(folder.name, source, rows[LOCAL_COLUMNS], tuple(p.name for p in files))


def load_all(areas: pd.DataFrame, predecessors: pd.DataFrame | None = None,
             root: Path | None = None) -> list[LocalDataset]:
    """Validate every dataset under ``root`` (default ``data/local/``); the first problem raises."""
    return [load_dataset(folder, areas, predecessors) for folder in dataset_folders(root)]


def table(datasets: list[LocalDataset]) -> pd.DataFrame:
    """The ``local_indicators`` store table for these datasets (an empty frame with its columns if none)."""
    frames = [d.rows for d in datasets]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=float if c in _NUMERIC else object) for c in LOCAL_COLUMNS})
    frame = pd.concat(frames, ignore_index=True)
    return frame.astype({c: float for c in _NUMERIC})


def validate(root: Path | None = None) -> list[LocalDataset]:
    """Validate the project's local data against the store's area registry (building the store if needed)."""
    from . import store

    return load_all(store.table("areas"), store.table("predecessors"), root)
