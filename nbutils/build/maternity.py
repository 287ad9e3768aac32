"""NHS Maternity Statistics (MSDS) by NHS trust, NHS region and England, and the maternity provider table.

Percentages use only records with a recorded value: "missing / value outside reporting parameters", "unknown",
"not known" and "not stated" are left out of the denominator, as NHS England's maternity statistics report
shares "of those with a recorded value". How complete the recording was is said in ``value_note`` when under 90%.
These are figures for the place of care (the trust where the woman booked or gave birth), not for residents.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..sources import geography, maternity
from .common import ENGLAND_CODE, INDICATOR_COLUMNS, Geography

_SOURCE = "NHS England, NHS Maternity Statistics (MSDS measures CSV)"

# Government region -> NHS England commissioning region (Midlands and North East and Yorkshire span two).
GOR_TO_NHS_REGION = {
    "E12000001": "Y63", "E12000002": "Y62", "E12000003": "Y63", "E12000004": "Y60", "E12000005": "Y60",
    "E12000006": "Y61", "E12000007": "Y56", "E12000008": "Y59", "E12000009": "Y58",
}
DECILE_LABELS = {f"{d:02d}": f"Decile {d}" for d in range(1, 11)}
DECILE_LABELS.update({"01": "Decile 1 (most deprived)", "10": "Decile 10 (least deprived)"})
ETHNIC_GROUPS = {
    "White": "White", "Asian or Asian British": "Asian or Asian British",
    "Black or Black British": "Black or Black British", "Mixed": "Mixed",
    "Any other ethnic group": "Any other ethnic group",
}


def _is_unrecorded(measure: pd.Series) -> pd.Series:
    text = measure.fillna("").str.lower()
    return text.str.startswith("missing") | text.isin(["unknown", "not known", "not stated"])


def _decile(measure: pd.Series) -> pd.Series:
    # '01 - Most deprived', '2' (2020-21) or '02' (later) -> 'Decile 1 (most deprived)', 'Decile 2'.
    digits = measure.str.extract(r"^(\d{1,2})(?:\s*-.*)?$")[0]
    return digits.dropna().astype(int).map(lambda d: f"{d:02d}").map(DECILE_LABELS).reindex(measure.index)


def _share(rows: pd.DataFrame, numerator: pd.Series, category: pd.Series | None = None) -> pd.DataFrame:
    """Count and percentage of recorded records, per period and organisation (and category)."""
    keys = ["period", "level", "org_code"]
    recorded = rows[~_is_unrecorded(rows.measure)]
    totals = rows.groupby(keys)["count"].sum().rename("all_records")
    denominators = recorded.groupby(keys)["count"].sum().rename("denominator")
    if category is None:
        counts = recorded[numerator.loc[recorded.index]].groupby(keys)["count"].sum().rename("count")
        out = pd.concat([denominators, counts], axis=1).fillna({"count": 0}).reset_index()
        out["category"] = ""
    else:
        labelled = recorded.assign(category=category.loc[recorded.index]).dropna(subset=["category"])
        denominators = labelled.groupby(keys)["count"].sum().rename("denominator")
        counts = labelled.groupby([*keys, "category"])["count"].sum().rename("count").reset_index()
        out = counts.merge(denominators.reset_index(), on=keys)
    out = out.merge(totals.reset_index(), on=keys)
    out["value"] = np.where(out.denominator > 0, out["count"] / out.denominator * 100, np.nan)
    coverage = out.denominator / out.all_records
    unit = rows.count_of.dropna().iloc[0].lower()
    out["value_note"] = np.where(coverage < 0.9, [f"recorded for {c:.0%} of {unit}" for c in coverage.fillna(0)], "")
    out.loc[out.denominator == 0, "value_note"] = f"no {unit} with a recorded value"
    return out


def _finish(frame: pd.DataFrame, indicator_id: str, category_type: str = "") -> pd.DataFrame:
    out = frame.copy()
    out["indicator_id"] = indicator_id
    out["area_code"] = np.where(out.level == "england", ENGLAND_CODE, out.org_code)
    out["area_type"] = out.level
    out["period"] = out.period.str.replace("-", "/", regex=False)  # '2022-23' -> '2022/23'
    out["category_type"] = np.where(out.category != "", category_type, "")
    out["source"] = _SOURCE
    for column in INDICATOR_COLUMNS:
        if column not in out:
            out[column] = np.nan
    return out[INDICATOR_COLUMNS]


def maternity_indicators(geo: Geography) -> pd.DataFrame:
    """First feed breast milk, smoking at booking, under 20 at booking, deprivation, ethnicity, total babies."""
    data = maternity.measures()
    pieces = []
    feed = data[data.dimension == "first_feed"]
    pieces.append(_finish(_share(feed, feed.measure.str.lower().str.contains("breast milk")
                                 & ~feed.measure.str.lower().str.startswith("not")), "msds_first_feed_breastmilk"))
    smoking = data[data.dimension == "smoking_at_booking"]
    pieces.append(_finish(_share(smoking, smoking.measure.str.lower().eq("smoker")), "msds_smoking_at_booking"))
    age = data[data.dimension == "age_at_booking"]
    pieces.append(_finish(_share(age, age.measure.eq("Under 20")), "msds_under20_at_booking"))
    deprivation = data[data.dimension == "deprivation_decile"]
    pieces.append(_finish(_share(deprivation, deprivation.measure.notna(), _decile(deprivation.measure)),
                          "msds_booking_deprivation_decile", "Deprivation decile of residence at booking (IMD)"))
    ethnicity = data[data.dimension == "ethnicity"]
    pieces.append(_finish(_share(ethnicity, ethnicity.measure.notna(), ethnicity.measure.map(ETHNIC_GROUPS)),
                          "msds_booking_ethnicity", "Ethnic group of the mother"))
    babies = data[data.dimension == "total_babies"].copy()
    babies["value"] = babies["count"]
    babies["category"] = ""
    babies["value_note"] = ""
    pieces.append(_finish(babies, "msds_total_babies"))
    return pd.concat(pieces, ignore_index=True)


def readable_name(name: str) -> str:
    """'EAST KENT HOSPITALS UNIVERSITY NHS FOUNDATION TRUST' -> 'East Kent Hospitals University NHS Foundation Trust'."""
    small = {"and", "of", "the", "for", "upon", "on", "in"}
    words = []
    for i, word in enumerate(name.strip().split()):
        lower = word.lower()
        if word.upper() in {"NHS", "FT", "UK", "CIC"}:
            words.append(word.upper())
        elif i and lower in small:
            words.append(lower)
        else:
            words.append("-".join(part.capitalize() for part in lower.split("-")))
    return " ".join(words)


def providers_table(geo: Geography) -> pd.DataFrame:
    """Store table ``maternity_providers``: org_code, name, postcode, lat, lon, nhs_region, nhs_region_name,
    latest_period and latest_total_babies (the provider's last MSDS year with births; blank if none).

    The NHS region is that of the government region containing the provider's location (blank outside England).
    """
    import geopandas as gpd

    places = maternity.provider_locations()
    points = gpd.GeoDataFrame(places, geometry=gpd.points_from_xy(places.lon, places.lat), crs="EPSG:4326")
    lads = geography.lad_boundaries()[["area_code", "geometry"]].to_crs("EPSG:27700")
    joined = gpd.sjoin_nearest(points.to_crs("EPSG:27700"), lads, how="left", max_distance=5000)
    joined = joined[~joined.index.duplicated()]
    region = joined.area_code.map(geo.areas.set_index("area_code")["region_code"])
    places["nhs_region"] = region.map(GOR_TO_NHS_REGION).reindex(places.index)
    places["nhs_region_name"] = places.nhs_region.map(maternity.NHS_REGIONS)
    babies = maternity.measures(["total_babies"])
    babies = babies[(babies.level == "nhs_trust") & (babies["count"] > 0)].sort_values("period")
    latest = babies.drop_duplicates("org_code", keep="last").set_index("org_code")
    places["latest_period"] = places.org_code.map(latest.period.str.replace("-", "/", regex=False))
    places["latest_total_babies"] = places.org_code.map(latest["count"])
    places["published_name"] = places["name"]
    places["name"] = places["name"].map(readable_name)
    return places[["org_code", "name", "published_name", "postcode", "lat", "lon", "nhs_region", "nhs_region_name",
                   "latest_period", "latest_total_babies"]].reset_index(drop=True)
