"""End to end: no page or table written for one area names another area that is not its own (issue 24).

Builds a spread of areas outside Kent with the command line in one batch (a few minutes; set NBUTILS_NEUTRAL_PACKS
to an existing output folder of the same areas to re-check one without rebuilding), then reads every page's
visible text and every CSV cell as a reader would, looking for the name of any English district, unitary authority
or county that is not the area itself, one of its comparators or parents, or one of the areas the page sets it
beside (its county's districts, its statistical neighbours, a county's districts, the authorities it borders).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from nbutils import areas, borders, paths, store

from conftest import run_cli

pytestmark = pytest.mark.slow

# A London borough, a metropolitan borough, a shire district and a county outside the South East, a northern
# unitary, a shire district in the South West, a unitary in the East Midlands and the bi-borough combined area:
# eight areas outside Kent.
AREAS = ["Westminster", "Coventry", "Malvern Hills", "Norfolk", "Hartlepool", "Torridge", "Rutland",
         "combined-bi-borough"]


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    given = os.environ.get("NBUTILS_NEUTRAL_PACKS")
    if given:
        return Path(given)
    out = tmp_path_factory.mktemp("neutral")
    result = run_cli("run", *AREAS, "--out", str(out), "--jobs", "2", timeout=1500)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def own_names(area: areas.Area) -> set[str]:
    """Names an area's pages may use: itself, its parents and comparators, the areas ranked beside it, the
    districts it is made of, the authorities it (or its upper tier) borders, and a combined area's members' own."""
    registry = areas.registry()
    own = {area, *(c.area for c in registry.comparators(area)), *registry.siblings(area),
           *registry.districts_of(area), *registry.statistical_neighbours(area), *borders.bordering(area)}
    upper = registry.upper_tier(area)
    if upper is not None:
        own |= {upper, *registry.statistical_neighbours(upper), *registry.districts_of(upper),
                *borders.bordering(upper)}
    names = {a.name for a in own} | {name for _, name in registry.predecessors(area)}
    for member in registry.members(area):
        names |= own_names(member)
    return names


def _credits() -> list[str]:
    """Dataset titles and publishers as the pages' source lists credit them (a publisher is not an area)."""
    sources = json.loads(paths.manifest_path().read_text(encoding="utf-8"))["sources"]
    return [text for info in sources.values() for text in (info.get("title", ""), info.get("publisher", ""))]


def _msoa_names(area: areas.Area) -> list[str]:
    """The area's own neighbourhood names ('Hart Village', 'Dorset Square'), which may contain a place name."""
    names = store.table("msoa_names")
    inside = store.table("areas")
    codes = inside[(inside.area_type == "msoa") & inside.lad_code.isin(areas.registry().district_codes(area))]
    chosen = names[names.msoa21_code.isin(codes.area_code)]
    return [str(n) for n in [*chosen["name"], *chosen["official_name"]] if isinstance(n, str)]


def foreign_names(text: str, allowed: set[str], also_removed: list[str] = ()) -> set[str]:
    """Names of registered districts, unitaries and counties in ``text`` that are not in ``allowed``."""
    # Maternity trusts are named after their towns ("East Kent Hospitals"): the units a page shows are its own.
    removed = [*store.table("maternity_providers").name, *also_removed]
    for fixed in sorted(set(removed), key=len, reverse=True):
        text = text.replace(fixed, " ")
    for name in sorted(allowed, key=len, reverse=True):
        text = re.sub(rf"\b{re.escape(name)}\b", " ", text)
    found = set()
    for other in areas.registry().reportable():
        if other.name not in allowed and re.search(rf"\b{re.escape(other.name)}\b", text):
            found.add(other.name)
    return found


def visible_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for hidden in soup(["script", "style", "template"]):
        hidden.decompose()
    return soup.get_text(" ")


#: The funnel plot sets the area among every area of the Fingertips extract: those are that page's comparators.
FUNNEL = {"sudi.html", "sudi/infant_mortality_funnel.csv"}


def leaks(folder: Path, area: areas.Area) -> dict[str, set[str]]:
    allowed = own_names(area)
    removed = [*_credits(), *_msoa_names(area)]
    funnel_csv = folder / "sudi" / "infant_mortality_funnel.csv"
    funnel = set(pd.read_csv(funnel_csv, dtype=str).area_name.dropna()) if funnel_csv.exists() else set()
    texts = {page.name: visible_text(page) for page in sorted(folder.glob("*.html"))}
    for table in sorted(folder.glob("*/*.csv")):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        texts[f"{table.parent.name}/{table.name}"] = " | ".join([*frame.columns, *frame.to_numpy().ravel()])
    found = {}
    for where, text in texts.items():
        names = foreign_names(text, allowed | (funnel if where in FUNNEL else set()), removed)
        if names:
            found[where] = names
    return found


@pytest.mark.parametrize("name", AREAS)
def test_pages_name_no_other_area(packs, name):
    area = areas.resolve(name)
    folder = packs / area.folder
    assert len(list(folder.glob("*.html"))) >= 6, f"{area.name}: pages missing"
    assert leaks(folder, area) == {}


def test_trust_names_are_removed_before_the_check():
    """The check itself: a foreign county is found; the area's own names and a trust's name are not."""
    coventry = areas.resolve("Coventry")
    allowed = own_names(coventry)
    assert "Warwickshire" in allowed and "West Midlands" in allowed
    assert foreign_names("Figures for Kent and the regions", allowed) == {"Kent"}
    assert foreign_names("Coventry and Warwickshire, South East", allowed) == set()
    assert foreign_names("Ward: Hart Village", {"Hartlepool"}) == {"Hart"}
    assert foreign_names("Ward: Hart Village", {"Hartlepool"}, ["Hart Village"]) == set()


def test_bi_borough_pack_names_both_boroughs_and_sums_their_counts(packs):
    folder = packs / "combined-bi-borough"
    members = ["E09000020", "E09000033"]
    for page in sorted(folder.glob("*.html")):
        text = visible_text(page)
        assert "Kensington and Chelsea" in text and "Westminster" in text, page.name
    # Births (residents aged under 1, ONS mid-2020): the two boroughs' summed, as the overview's calculator uses.
    young = store.indicator_data("ons_mye_young_children", area_codes=members)
    births = int(young[young.category == "Aged under 1"]["count"].sum())
    assert births == 1439 + 2352
    assert f"{births:,}" in visible_text(folder / "overview.html")
    # Census counts: the combined row is the sum of the boroughs' rows, the share recomputed from the sums.
    crowded = pd.read_csv(folder / "housing" / "overcrowded_households.csv")
    own = crowded[crowded.area_code == "combined-bi-borough"].iloc[0]
    each = store.indicator_data("census_overcrowded_households", area_codes=members)
    assert own["count"] == each["count"].sum() and own["households"] == each["denominator"].sum()
    assert own["share_pct"] == pytest.approx(100 * own["count"] / own["households"], rel=1e-6)
