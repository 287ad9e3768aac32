"""Reading and checking one local-data CSV file, vectorised (a 50 MB file in seconds, not minutes).

The file is read once with the standard ``csv`` module (so line numbers stay exact even where a quoted note holds a
line break) into compact pyarrow-backed string columns, a chunk at a time; every check then runs on whole columns
with pandas. The first problem in file order (then in the order of the checks below) is reported as one
:class:`~nbutils.local_data.LocalDataError` naming the file, line and column and what to do.

The number rule (docs/local-data.md): a plain decimal, ``-?digits[.digits]``; no ``+``, exponent, underscore,
thousands separator, space, ``%`` or ``NaN``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns every CSV must have, and the optional ones (``rag``: the RAG letter the publication printed).
REQUIRED_COLUMNS = ("indicator", "area_code", "period", "value")
OPTIONAL_COLUMNS = ("area_name", "count", "denominator", "lower_ci95", "upper_ci95", "note", "rag")
NUMBER_COLUMNS = ("value", "count", "denominator", "lower_ci95", "upper_ci95")
#: A plain decimal number, as docs/local-data.md states it.
NUMBER_PATTERN = r"-?[0-9]+(?:\.[0-9]+)?"
#: RAG letters a publication may print (G target achieved, A floor achieved, R floor missed).
RAG_LETTERS = ("G", "A", "R")
_CHUNK = 100_000


@dataclass(frozen=True)
class Problem:
    """One failed check: the 0-based row positions that fail, the column, and the message for a row."""

    rows: np.ndarray
    column: str | None
    message: Callable[[int], str]


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    for fields in reader:
        yield reader.line_num, fields


def read_columns(data: bytes, fail) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """The header, the data as string columns (stripped) and each row's line number.

    ``data`` is the file's bytes (already checked to be UTF-8); ``fail(line, column, what)`` builds the error to
    raise. Blank rows are skipped; a row with the wrong number of fields is refused. pyarrow's CSV reader reads the
    file without copying it into Python strings; where a quoted value may hold a line break (a line with an odd
    number of quote marks), rows and lines no longer match one to one and the file is read with the ``csv``
    module instead, which counts lines exactly.
    """
    text_start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    header = _header(data[text_start:data.find(b"\n") if b"\n" in data else len(data)].decode("utf-8"), fail)
    body = np.frombuffer(data, dtype=np.uint8)
    newlines = np.flatnonzero(body == 10)
    quotes = np.flatnonzero(body == 34)
    if len(quotes) and (np.bincount(np.searchsorted(newlines, quotes), minlength=len(newlines) + 1) % 2).any():
        return _read_exactly(data.decode("utf-8-sig"), fail)
    import pyarrow as pa
    from pyarrow import csv as arrow_csv

    odd: list[tuple[int, str]] = []

    def invalid(row) -> str:
        odd.append((row.number, row.text))
        return "skip"

    try:
        table = arrow_csv.read_csv(
            pa.BufferReader(data[text_start:]),
            read_options=arrow_csv.ReadOptions(use_threads=False, block_size=1 << 24),
            parse_options=arrow_csv.ParseOptions(invalid_row_handler=invalid, ignore_empty_lines=True),
            convert_options=arrow_csv.ConvertOptions(column_types={c: pa.string() for c in header},
                                                     strings_can_be_null=False, quoted_strings_can_be_null=False))
    except (pa.ArrowInvalid, ValueError):
        return _read_exactly(data.decode("utf-8-sig"), fail)
    # Physical line numbers: pyarrow numbers the lines it does not skip as empty, so map its numbers back.
    starts = np.concatenate(([0], newlines + 1))
    ends = np.concatenate((newlines, [len(body)]))
    length = ends - starts - (body[np.maximum(ends - 1, 0)] == 13)  # a CRLF line's \r is not content
    numbers = np.arange(1, len(starts) + 1)
    nonempty = numbers[length > 0]
    skipped = [int(nonempty[n - 1]) if n and 0 < n <= len(nonempty) else 0 for n, _ in odd]
    for line, (_, text) in zip(skipped, odd):
        if text.strip(" \t\r,"):
            given = len(next(csv.reader([text]), []))
            raise fail(line or None, None, f"{given} fields where the header has {len(header)}; quote any value "
                                           f"that contains a comma")
    lines = nonempty[(nonempty > 1) & ~np.isin(nonempty, skipped)]
    if len(lines) != table.num_rows:
        return _read_exactly(data.decode("utf-8-sig"), fail)
    frame = table.to_pandas(types_mapper=lambda t: pd.ArrowDtype(t) if t == pa.string() else None)
    del table, body, newlines, quotes, starts, ends, length  # a large file: keep one copy of it at a time
    frame = _complete(frame)
    blank = (frame[header] == "").all(axis=1).to_numpy()
    return header, frame[~blank].reset_index(drop=True), lines[~blank].astype(np.int64)


def _header(text: str, fail) -> list[str]:
    records = _records(text)
    try:
        _, header = next(records)
    except StopIteration:
        raise fail(None, None, f"the file is empty; give a header line ({','.join(REQUIRED_COLUMNS)}) and rows, "
                               f"or delete the file") from None
    header = [h.strip() for h in header]
    allowed = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
    for column in header:
        if column not in allowed:
            raise fail(1, column, f"unknown column; allowed: {', '.join(allowed)}")
    for column in REQUIRED_COLUMNS:
        if column not in header:
            raise fail(1, None, f"no '{column}' column; the header needs {', '.join(REQUIRED_COLUMNS)}")
    if len(set(header)) != len(header):
        raise fail(1, None, "a column name appears twice; keep one of each")
    return header


def _complete(frame: pd.DataFrame) -> pd.DataFrame:
    """Every column stripped, and the optional columns a file leaves out added as empty text."""
    frame = frame.apply(lambda s: s.astype("str").str.strip())
    for column in REQUIRED_COLUMNS + OPTIONAL_COLUMNS:
        if column not in frame:
            frame[column] = pd.Series([""] * len(frame), dtype="str")
    return frame


def _read_exactly(text: str, fail) -> tuple[list[str], pd.DataFrame, np.ndarray]:
    """The slower reading with the csv module, for files whose quoted values hold line breaks."""
    header = _header(text, fail)
    records = _records(text)
    next(records)
    width = len(header)
    chunks: list[pd.DataFrame] = []
    lines: list[int] = []
    buffer: list[list[str]] = []

    def flush() -> None:
        if buffer:
            columns = list(zip(*buffer))
            chunks.append(pd.DataFrame({name: pd.Series(values, dtype="str")
                                        for name, values in zip(header, columns)}))
            buffer.clear()

    for line, fields in records:
        if not any(f.strip() for f in fields):
            continue
        if len(fields) != width:
            raise fail(line, None, f"{len(fields)} fields where the header has {width}; quote any value that "
                                   f"contains a comma")
        buffer.append(fields)
        lines.append(line)
        if len(buffer) >= _CHUNK:
            flush()
    flush()
    frame = (pd.concat(chunks, ignore_index=True) if chunks
             else pd.DataFrame({name: pd.Series([], dtype="str") for name in header}))
    return header, _complete(frame), np.asarray(lines, dtype=np.int64)


def first(problems: list[Problem], lines: np.ndarray) -> tuple[int, Problem, int] | None:
    """The problem to report: the earliest line, then the earliest check. (line, problem, row) or None."""
    best = None
    for problem in problems:
        if len(problem.rows):
            row = int(problem.rows[0])
            if best is None or lines[row] < best[0]:
                best = (int(lines[row]), problem, row)
    return best


def positions(mask) -> np.ndarray:
    """Row positions where a boolean mask is true (NA counts as false)."""
    return np.flatnonzero(np.asarray(pd.Series(mask).fillna(False), dtype=bool))


def numbers(frame: pd.DataFrame) -> tuple[pd.DataFrame, list[Problem]]:
    """The number columns parsed (NaN where blank), and a problem per column for text that breaks the rule."""
    parsed = {}
    problems = []
    for column in NUMBER_COLUMNS:
        text = frame[column]
        given = text != ""
        bad = given & ~text.str.fullmatch(NUMBER_PATTERN).fillna(False)
        problems.append(Problem(positions(bad), column, lambda row, c=column, t=text: (
            f"'{t.iat[row]}' is not a number; write digits with a decimal point and no thousands separators or "
            f"symbols, e.g. 38.9")))
        parsed[column] = pd.to_numeric(text.where(given & ~bad), errors="coerce").astype(float)
    return pd.DataFrame(parsed), problems


@dataclass(frozen=True)
class Context:
    """What a file's rows are checked against (from source.yaml, the catalogue and the area registry)."""

    units: dict[str, str]                     # indicator id -> unit (the dataset's definitions, then the catalogue)
    bounds: dict[str, tuple[float, float]]    # indicator id -> (lowest, highest) value allowed
    places: pd.DataFrame                      # index area_code; columns area_name, area_type
    abolished: dict[str, str]                 # old code -> "Name (new code)"
    periods: tuple[str, ...]
    max_suppressed: int
    rule_name: str


def _bounds_text(low: float, high: float, unit: str) -> str:
    if unit.strip() == "%" and (low, high) == (0, 100):
        return "outside 0-100 for a percentage; give the percentage (38.9), not a fraction (0.389)"
    if high == np.inf:
        return (f"below {low:g}, the lowest value this indicator allows ({unit}); give the figure itself, or set "
                f"'minimum' in the indicator's definition if it can be lower")
    return f"outside {low:g}-{high:g} for this indicator ({unit}); check the figure"


def check_rows(frame: pd.DataFrame, lines: np.ndarray, context: Context, normalise) -> tuple[pd.DataFrame, list]:
    """Every check of docs/local-data.md on whole columns; returns the parsed rows and the problems found.

    ``normalise`` compares area names as the registry does. The returned frame has the number columns as floats,
    ``area_code`` upper-cased and ``area_type`` added.
    """
    problems: list[Problem] = []
    for column in REQUIRED_COLUMNS:
        problems.append(Problem(positions(frame[column] == ""), column, lambda row: (
            "empty; every row needs indicator, area_code, period and value (leave out rows you cannot publish)")))
    parsed, number_problems = numbers(frame)
    problems += number_problems
    indicator, code, period = frame["indicator"], frame["area_code"].str.upper(), frame["period"]
    unit = indicator.map(context.units)
    problems.append(Problem(positions((indicator != "") & unit.isna()), "indicator", lambda row: (
        f"'{indicator.iat[row]}' is not in the catalogue and source.yaml has no definition for it; add it under "
        f"'indicators:' in source.yaml (name, definition, unit, polarity, multiplier)")))
    known = code.isin(context.places.index)

    def area_message(row: int) -> str:
        given = frame["area_code"].iat[row]
        if given.upper() in context.abolished:
            return f"'{given}' was abolished in April 2023; use the code of {context.abolished[given.upper()]}"
        return (f"'{given}' is not the GSS code of an English district, unitary authority, county, region or "
                f"England; check it against `nbutils areas`")

    problems.append(Problem(positions((code != "") & ~known), "area_code", area_message))
    registered = code.map(context.places["area_name"])
    named = frame["area_name"]
    def normalised(series: pd.Series) -> pd.Series:
        unique = series.dropna().unique()
        return series.map(dict(zip(unique, (normalise(v) for v in unique))))

    mismatch = (named != "") & known & (normalised(named) != normalised(registered.fillna("")))
    problems.append(Problem(positions(mismatch), "area_name", lambda row: (
        f"'{named.iat[row]}' does not match {code.iat[row]}, which is {registered.iat[row]}; correct the code or "
        f"the name")))
    problems.append(Problem(positions((period != "") & ~period.isin(context.periods)), "period", lambda row: (
        f"'{period.iat[row]}' is not one of the periods in source.yaml ({', '.join(context.periods)}); add it there "
        f"or correct it")))
    low = indicator.map({k: v[0] for k, v in context.bounds.items()}).astype(float)
    high = indicator.map({k: v[1] for k, v in context.bounds.items()}).astype(float)
    for column in ("value", "lower_ci95", "upper_ci95"):
        number = parsed[column]
        out = number.notna() & low.notna() & ((number < low) | (number > high))
        problems.append(Problem(positions(out), column, lambda row, n=number: (
            f"{n.iat[row]:g} is " + _bounds_text(low.iat[row], high.iat[row], unit.iat[row]))))
    for column in ("count", "denominator"):
        number = parsed[column]
        bad = number.notna() & ((number < 0) | (number != np.floor(number)))
        problems.append(Problem(positions(bad), column, lambda row, n=number: (
            f"{n.iat[row]:g} is not a whole number of 0 or more; give the count itself")))
    count, denominator = parsed["count"], parsed["denominator"]
    problems.append(Problem(positions(count > denominator), "count", lambda row: (
        f"count {count.iat[row]:g} is larger than the denominator {denominator.iat[row]:g}; check the two columns "
        f"are not swapped")))
    value = parsed["value"]
    lower_out = parsed["lower_ci95"] > value
    upper_out = parsed["upper_ci95"] < value
    for column, out in (("lower_ci95", lower_out), ("upper_ci95", upper_out & ~lower_out)):
        problems.append(Problem(positions(out), column, lambda row: (
            "the confidence interval does not contain the value; check the columns")))
    if context.max_suppressed:
        small = (count >= 1) & (count <= context.max_suppressed)
        problems.append(Problem(positions(small), "count", lambda row: (
            f"a count of {count.iat[row]:g} is in the range 1-{context.max_suppressed} that the dataset's "
            f"disclosure rule '{context.rule_name}' suppresses; remove this row (small numbers must not be "
            f"published)")))
    rag = frame["rag"].str.upper()
    problems.append(Problem(positions((rag != "") & ~rag.isin(RAG_LETTERS)), "rag", lambda row: (
        f"'{frame['rag'].iat[row]}' is not a RAG letter; give G, A or R as the publication printed it, or leave "
        f"it blank")))
    rows = pd.DataFrame({"indicator": indicator, "area_code": code, "area_name": named, "period": period,
                         **{c: parsed[c] for c in NUMBER_COLUMNS}, "note": frame["note"], "rag": rag,
                         "area_type": code.map(context.places["area_type"])})
    return rows, problems
