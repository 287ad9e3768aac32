"""Reader for the ONS mid-year population estimates by single year of age in data/raw/ (mid-2019, mid-2020).

Residents aged under 1 at 30 June are the closest district-level figure to annual live births held in this
build: they count babies born in the preceding twelve months, less infant deaths, plus net migration. They are an
approximation of births, and every page that uses them says so.
"""

from __future__ import annotations

import pandas as pd

from .manifest import raw_file

SOURCE = "ons-mye-sya-demographr"
MYE_2019 = (SOURCE, "mye2019_persons_sya_ltla19.csv")
MYE_2020 = (SOURCE, "mye2020_persons_sya_ltla21.csv")


def single_year_of_age(source: tuple[str, str] = MYE_2020, ages: tuple[int, ...] = (0, 1, 2)) -> pd.DataFrame:
    """Long table: area_code (the file's own vintage of codes), age, count, total_population; England rows only.

    ``ages`` are the single years kept (0 = under 1). Welsh rows (W06...) are dropped.
    """
    raw = pd.read_csv(raw_file(*source), dtype={"ltla19_code": str, "ltla21_code": str})
    code = "ltla21_code" if "ltla21_code" in raw else "ltla19_code"
    raw = raw[raw[code].str.startswith("E")]
    missing = [str(a) for a in ages if str(a) not in raw.columns]
    if missing:
        raise ValueError(f"{source[1]} lacks single-year-of-age columns {missing}")
    long = raw.melt(id_vars=[code, "total_population"], value_vars=[str(a) for a in ages], var_name="age",
                    value_name="count")
    long["age"] = long["age"].astype(int)
    return long.rename(columns={code: "area_code"})[["area_code", "age", "count", "total_population"]]
