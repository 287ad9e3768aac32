"""Rows from data fetched live from the OHID Fingertips API (``nbutils data fetch``), as published.

Only files named in ``data/fetched/manifest.json`` whose sha256 still matches are read, so a half-written or
altered file is never used. The store keeps the last row for each indicator x area x period x category, and this
builder is listed last, so fetched values replace the snapshot's for the same period and add newer periods.

Kept: whole-area rows (no Fingertips category breakdown) for one sex and age per indicator, Persons where
published (otherwise the one the indicator is for, e.g. Female for smoking at delivery).
"""

from __future__ import annotations

import hashlib
import warnings

import numpy as np
import pandas as pd

from .. import catalog
from ..sources import fetched_manifest
from .common import INDICATOR_COLUMNS, Geography
from .published import comparison_note, published_rows

COLUMNS = {"Area Code": "area_code", "Time period": "period", "Value": "value", "Lower CI 95.0 limit": "lower_ci95",
           "Upper CI 95.0 limit": "upper_ci95", "Lower CI 99.8 limit": "lower_ci998",
           "Upper CI 99.8 limit": "upper_ci998", "Count": "count", "Denominator": "denominator"}


def _read(entry_file: dict) -> pd.DataFrame | None:
    path = fetched_manifest.folder() / entry_file["path"]
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        warnings.warn(f"fetched file {path} is missing; using the embedded snapshot for it", stacklevel=2)
        return None
    if hashlib.sha256(body).hexdigest() != entry_file["sha256"]:
        warnings.warn(f"fetched file {path} differs from data/fetched/manifest.json; ignored", stacklevel=2)
        return None
    import io

    return pd.read_csv(io.BytesIO(body), dtype=str, keep_default_na=False, encoding="utf-8-sig")


def _one_breakdown(frame: pd.DataFrame) -> pd.DataFrame:
    """Whole-area rows of one sex and one age: Persons if published, else the most common combination."""
    whole = frame[frame["Category Type"].str.strip() == ""]
    if whole.empty:
        return whole
    combos = whole.groupby(["Sex", "Age"]).size().reset_index(name="n")
    combos["persons"] = combos["Sex"].eq("Persons")
    best = combos.sort_values(["persons", "n"], ascending=False).iloc[0]
    return whole[(whole["Sex"] == best["Sex"]) & (whole["Age"] == best["Age"])]


def _rows(raw: pd.DataFrame, note: str) -> pd.DataFrame:
    out = raw.rename(columns=COLUMNS)
    out["period"] = out["period"].str.replace(" - ", "-", regex=False)
    for column in ("value", "lower_ci95", "upper_ci95", "lower_ci998", "upper_ci998", "count", "denominator"):
        out[column] = pd.to_numeric(out[column].replace("", np.nan), errors="coerce")
    parts = pd.DataFrame({
        "published": raw["Value note"].str.strip(),
        "compared": comparison_note(raw["Compared to England value or percentiles"].str.strip()),
    }, index=raw.index)
    parts["area_type_note"] = note
    out["value_note"] = parts.apply(lambda r: "; ".join(p for p in r if p), axis=1) if len(parts) else ""
    return out


def fetched_indicators(geo: Geography) -> pd.DataFrame:
    """Store rows for every fetched indicator in data/fetched/manifest.json (none if nothing was fetched)."""
    known_ids = set(catalog.catalogue())
    pieces = []
    for indicator_id, entry in fetched_manifest.load()["indicators"].items():
        if indicator_id not in known_ids:
            continue  # fetched under an id the catalogue no longer has
        # District files first, so a unitary keeps its district-file row rather than the county file's duplicate.
        files = sorted((f for f in entry.get("files", []) if f.get("kind") == "data"),
                       key=lambda f: f.get("area_type_id") not in (501, 401))
        for entry_file in files:
            raw = _read(entry_file)
            if raw is None or raw.empty:
                continue
            raw = _one_breakdown(raw)
            if raw.empty:
                continue
            rows = _rows(raw, entry.get("note", ""))
            source = f"fingertips-api/{entry_file['path']}@{entry_file['fetched_at']}"
            pieces.append(published_rows(rows, geo, indicator_id, source))
    if not pieces:
        return pd.DataFrame(columns=INDICATOR_COLUMNS)
    out = pd.concat(pieces, ignore_index=True)
    return out.drop_duplicates(["indicator_id", "area_code", "period", "category"], keep="first")
