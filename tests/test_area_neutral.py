"""End to end: no page or table written for one area names another area that is not its own (issue 24).

Builds a spread of areas outside Kent with the command line in one batch (a few minutes; set NBUTILS_NEUTRAL_PACKS
to an existing output folder of the same areas to re-check one without rebuilding), then reads every page's
visible text and every CSV cell as a reader would, looking for the name of any English district, unitary authority
or county that is not the area itself, one of its comparators or parents, or one of the areas the page sets it
beside (its county's districts, its statistical neighbours, a county's districts, the authorities it borders).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup

from nbutils import areas, store
from nbutils.topics import maternity_units

from conftest import run_cli

pytestmark = pytest.mark.slow

# A London borough, a metropolitan borough, a shire district and a county outside the South East, a northern
# unitary, a shire district in the South West and a unitary in the East Midlands: seven areas outside Kent.
AREAS = ["Westminster", "Coventry", "Malvern Hills", "Norfolk", "Hartlepool", "Torridge",
         "Rutland"]


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
    districts it is made of and the authorities it borders."""
    registry = areas.registry()
    own = {area, *(c.area for c in registry.comparators(area)), *registry.siblings(area),
           *registry.districts_of(area), *registry.statistical_neighbours(area)}
    upper = registry.upper_tier(area)
    if upper is not None:
        own |= {upper, *registry.statistical_neighbours(upper), *registry.districts_of(upper)}
    own |= set(registry.bordering(upper or area))
    for member in registry.members(area):
        own |= own_names(member) if member != area else set()
    return {a.name for a in own} | {name for _, name in registry.predecessors(area)}


def foreign_names(text: str, allowed: set[str]) -> set[str]:
    """Names of registered districts, unitaries and counties in ``text`` that are not in ``allowed``."""
    # Maternity trusts are named after their towns ("East Kent Hospitals"): the units a page shows are its own.
    for trust in sorted(store.table("maternity_providers").name, key=len, reverse=True):
        text = text.replace(trust, " ")
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


def leaks(folder: Path, area: areas.Area) -> dict[str, set[str]]:
    allowed = own_names(area)
    found = {}
    for page in sorted(folder.glob("*.html")):
        names = foreign_names(visible_text(page), allowed)
        if names:
            found[page.name] = names
    for table in sorted(folder.glob("*/*.csv")):
        frame = pd.read_csv(table, dtype=str, keep_default_na=False)
        names = foreign_names(" | ".join([*frame.columns, *frame.to_numpy().ravel()]), allowed)
        if names:
            found[f"{table.parent.name}/{table.name}"] = names
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
    assert maternity_units.PLACE_OF_CARE
