"""The pages that tie packs together: the top-level ``index.html`` and each area's landing page.

Built from ``manifest.json`` alone, so they are always consistent with what is on disk. The index lists failed
notebooks first, then every area grouped by region and by county (a county with its districts; unitary
authorities, metropolitan and London boroughs by kind), with a filter box that works offline (a few lines of
inline script; without script every area is simply listed). Only failures are flagged: a topic that succeeded is
a plain link.
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

from .files import atomic_write_text
from .fragments import html, render
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES

def _page(template: str, **context) -> str:
    """A page of the site (``templates/site/<template>.html.j2``), ending with a newline."""
    return render(f"site/{template}", **context).rstrip("\n") + "\n"


def _topic_order(topics) -> list[str]:
    known = [t for t in TOPIC_ORDER if t in topics]
    return known + sorted(set(topics) - set(known))


def _unit(unit: str) -> str:
    """'%' sticks to the number; other units follow after a space ('4.6 per 1,000 live births')."""
    if not unit:
        return ""
    return unit if unit.startswith("%") and len(unit) == 1 else f" {unit}"


def _stem(indicator: str) -> str:
    """An indicator's name without its bracketed variant: 'Infant mortality (3-year pooled, district series)' is
    'Infant mortality', so an area's own series can stand in for its county's."""
    return indicator.split(" (")[0].strip().lower()


def card_rows(rows: list[dict], limit: int = 4) -> list[dict]:
    """The headline rows an area's card shows: the first ``limit`` measures, each with the area's own figure where
    the overview holds one (a district series in place of its county's), the county's only where it has none."""
    own = {}
    for row in rows:
        if not row.get("value_geography"):
            own.setdefault(_stem(row.get("indicator", "")), row)
    chosen, seen = [], set()
    for row in rows:
        stem = _stem(row.get("indicator", ""))
        if stem in seen:
            continue
        seen.add(stem)
        chosen.append(own.get(stem, row))
        if len(chosen) == limit:
            break
    return chosen


def headlines(out_dir: Path, folder: str, limit: int = 4) -> str:
    """A few headline indicators for the index, from the overview's ``headlines.csv`` when it exists: the area's
    own figures, a county's (named as the county's) only where the area has none."""
    path = out_dir / folder / "overview" / "headlines.csv"
    if not path.exists():
        return ""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = card_rows(list(csv.DictReader(handle)), limit)

    def where(r):
        return f"{r['value_geography']}'s figure, " if r.get("value_geography") else ""

    def value(r):  # a withheld or unpublished value is its marker alone: "[x]", never "[x]%"
        shown = r.get("value", "") or "[x]"
        return shown if shown.startswith("[") else shown + _unit(r.get("unit", ""))

    return render("site/headlines", rows=[{"indicator": r.get("indicator", ""), "value": value(r), "where": where(r),
                                           "period": r.get("period", ""), "comparison": r.get("comparison", "")}
                                          for r in rows])


def load_runs(out_dir: Path) -> tuple[dict, list[dict]]:
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return manifest, manifest["runs"]


#: What the index made from an area's overview CSVs, by (what, files): (their modification times, result). The
#: index is rewritten many times during a run; re-reading every area's CSVs each time would make England quadratic.
_FROM_FILES: dict[tuple, tuple[tuple, object]] = {}


def _from_files(what: str, files: tuple[Path, ...], make):
    """``make()``, made again only when one of ``files`` has changed (or appeared) since it was last made."""
    stamp = tuple(p.stat().st_mtime_ns if p.exists() else 0 for p in files)
    cached = _FROM_FILES.get((what, files))
    if cached is None or cached[0] != stamp:
        cached = _FROM_FILES[(what, files)] = (stamp, make())
    return cached[1]

KIND_GROUPS = {"unitary authority": "Unitary authorities", "metropolitan borough": "Metropolitan boroughs",
               "London borough": "London boroughs", "district": "Districts", "county": "Counties"}

def _cached_headlines(out_dir: Path, folder: str) -> str:
    return _from_files("headlines", (out_dir / folder / "overview" / "headlines.csv",),
                       lambda: headlines(out_dir, folder))


def _placement(code: str) -> tuple[str, str, str]:
    """(region, group, sort key within the group) of an area: a county's districts follow the county."""
    try:
        from .areas import registry

        reg = registry()
        area = reg.get(code)
    except Exception:  # an area the registry does not know (an old folder, a fixture): listed apart
        return "Other areas", "Other areas", code
    region = reg.get(area.region_code).name if area.region_code else "Other areas"
    if area.is_county:
        return region, area.name, ""
    if area.upper_tier_code and area.upper_tier_code != area.code:
        return region, reg.get(area.upper_tier_code).name, area.name
    return region, KIND_GROUPS.get(area.kind, "Other areas"), area.name


def _with_executed(out_dir: Path, entry: dict) -> dict:
    """The run record of a failed topic, its executed notebook kept only when that file is there: executed
    notebooks live outside the circulated area folders and are linked only when one was kept."""
    executed = entry.get("executed")
    return dict(entry, executed=executed if executed and (out_dir / executed).exists() else "")


def write_index(out_dir: Path, folders: set[str] | None = None, manifest: dict | None = None) -> None:
    """Write ``index.html`` (failures first, then every area by region and county) and the areas' landing pages.

    Parameters
    ----------
    folders : area folders whose landing page changed (default: every area's page is rewritten).
    manifest : the contents of ``manifest.json`` when the caller has just written it (default: read it).
    """
    if manifest is None:
        if not (out_dir / "manifest.json").exists():
            return
        manifest, _ = load_runs(out_dir)
    runs = manifest["runs"]
    topics = _topic_order({r["topic"] for r in runs})
    by_area: dict[tuple[str, str, str], dict[str, dict]] = {}
    for record in runs:
        by_area.setdefault((record["area_name"], record["area_code"], record["folder"]), {})[record["topic"]] = record
    regions: dict[str, dict[str, list[tuple[str, dict]]]] = {}
    failures = []
    for (name, code, folder), cells in sorted(by_area.items()):
        region, group, key = _placement(code)
        row = {"name": name, "code": code, "folder": folder, "search": " ".join([name, code, group, region]).lower(),
               "headlines": html(_cached_headlines(out_dir, folder)), "cells": []}
        for topic in topics:
            entry = cells.get(topic)
            if entry is not None and entry["status"] != "succeeded":
                entry = _with_executed(out_dir, entry)
                failures.append({"name": name, "folder": folder, "topic": TOPIC_TITLES.get(topic, topic),
                                 "entry": entry})
            row["cells"].append({"topic": topic, "title": TOPIC_TITLES.get(topic, topic), "entry": entry})
        regions.setdefault(region, {}).setdefault(group, []).append((key, row))
        if folders is None or folder in folders:
            write_area_page(out_dir, name, code, folder, cells, manifest)
    sections = []
    for region in sorted(regions, key=lambda r: (r == "Other areas", r)):
        groups = regions[region]
        sections.append({"name": region, "groups": [
            {"name": group, "rows": [row for _, row in sorted(groups[group], key=lambda item: item[0])]}
            for group in sorted(groups, key=lambda g: (g in KIND_GROUPS.values() or g == "Other areas", g))]})
    pages = sum(1 for r in runs if r["status"] == "succeeded")
    page = _page("index", title="Infant and maternal health needs assessment: packs", areas=len(by_area),
                 pages=pages, failures=failures, generated=manifest["generated"], version=manifest["nbutils_version"],
                 topics=[TOPIC_TITLES.get(t, t) for t in topics], regions=sections,
                 dashboards=html(dashboards(out_dir, sorted(by_area))))
    atomic_write_text(out_dir / "index.html", page)


#: Up to this many upper-tier areas, the index shows each one's dashboard in full; beyond it (England), one line each.
DASHBOARDS_IN_FULL = 4


def dashboards(out_dir: Path, areas: list[tuple[str, str, str]]) -> str:
    """The upper-tier dashboards of the run (counties first), re-rendered from their overview CSVs, so the index
    opens with each authority's dashboard and its districts side by side; with more than
    :data:`DASHBOARDS_IN_FULL` authorities (a national run), a table of them with their RAG counts, each linked to
    its dashboard. '' when the run has none."""
    found = [(name, code, folder) for name, code, folder in areas
             if (out_dir / folder / "overview" / "dashboard.csv").exists()]
    if not found:
        return ""
    found.sort(key=lambda a: (not a[1].startswith("E10"), a[0]))
    if len(found) <= DASHBOARDS_IN_FULL:
        return "".join(_dashboard(out_dir, name, code, folder) for name, code, folder in found)
    rows = []
    for name, code, folder in found:
        rag = _rag_counts(out_dir / folder / "overview" / "dashboard.csv")
        region, _, _ = _placement(code)
        rows.append({"name": name, "code": code, "folder": folder, "region": region,
                     "search": " ".join([name, code, region]).lower(),
                     "counts": [rag.get(colour, 0) for colour in RAG_COLOURS]})
    counties = sum(code.startswith("E10") for _, code, _ in found)
    kinds = ", ".join(part for part in (
        f"{counties} count{'y' if counties == 1 else 'ies'}" if counties else "",
        f"{len(found) - counties} unitary authorit{'y' if len(found) - counties == 1 else 'ies'} and metropolitan "
        "and London boroughs" if len(found) > counties else "") if part)
    return render("site/dashboard_list", rows=rows, kinds=kinds, colours=RAG_COLOURS)


#: The dashboard's RAG ratings, in the order the index counts them.
RAG_COLOURS = ("Red", "Amber", "Green", "Grey")


def _dashboard(out_dir: Path, name: str, code: str, folder: str) -> str:
    """One authority's dashboard as the index shows it, re-rendered only when its CSVs change."""
    board_path = out_dir / folder / "overview" / "dashboard.csv"
    grid_path = out_dir / folder / "overview" / "districts.csv"
    return _from_files("dashboard", (board_path, grid_path),
                       lambda: _render_dashboard(board_path, grid_path, name, code, folder))


def _render_dashboard(board_path: Path, grid_path: Path, name: str, code: str, folder: str) -> str:
    import pandas as pd

    from .areas import registry
    from .topics import dashboard

    area = registry().get(code)
    card = pd.read_csv(board_path, na_values=["[c]", "[x]"], keep_default_na=False,
                       dtype={"period": str, "previous_period": str})
    part = dashboard.dashboard_html(card, area)
    if grid_path.exists():
        grid = pd.read_csv(grid_path, na_values=["[c]", "[x]"], keep_default_na=False, dtype={"period": str})
        part += dashboard.district_grid_html(grid, area)
    return render("site/dashboard", name=name, folder=folder, part=html(part))


def _rag_counts(board_path: Path) -> dict[str, int]:
    """How many of a dashboard's headline indicators are rated each RAG colour (read again only when changed)."""
    def count() -> dict[str, int]:
        with open(board_path, newline="", encoding="utf-8") as handle:
            return dict(Counter(row.get("rag", "") for row in csv.DictReader(handle)))

    return _from_files("rag", (board_path,), count)


def write_area(out_dir: Path, folder: str, manifest: dict) -> None:
    """Rewrite one area's landing page from the run record (as a notebook of it finishes)."""
    cells = {r["topic"]: r for r in manifest["runs"] if r["folder"] == folder}
    if cells:
        first = next(iter(cells.values()))
        write_area_page(out_dir, first["area_name"], first["area_code"], folder, cells, manifest)


def _combined_members(code: str) -> str:
    """For a combined area's landing page: the authorities it is made of ('' for any other area)."""
    from . import areas
    from .errors import UnknownAreaError

    if not code.startswith(areas.COMBINED_PREFIX):
        return ""
    try:
        registry = areas.registry()
        return " and ".join(m.name for m in registry.members(registry.get(code)))
    except UnknownAreaError:  # its set file changed since the run: the page is still written, without the sentence
        return ""


def write_area_page(out_dir: Path, name: str, code: str, folder: str, cells: dict[str, dict],
                    manifest: dict) -> None:
    """Landing page of one area's pack: its topics in reading order, with status, its PDF and its CSV folders."""
    area_dir = out_dir / folder
    pdf = area_dir / f"{area_dir.name}.pdf"
    shown = [t for t in _topic_order(cells) if cells[t]["status"] == "succeeded" and any((area_dir / t).glob("*.csv"))]
    page = _page("area", title=f"{name}: infant and maternal health", name=name, code=code,
                 members=_combined_members(code), generated=manifest["generated"],
                 topics=[{"topic": t, "title": TOPIC_TITLES.get(t, t), "entry": cells[t]} for t in _topic_order(cells)],
                 pdf={"name": pdf.name, "size": f"{pdf.stat().st_size / 1e6:.1f}"} if pdf.exists() else None,
                 folders=[{"topic": t, "title": TOPIC_TITLES.get(t, t),
                           "count": sum(1 for _ in (area_dir / t).glob("*.csv"))} for t in shown])
    atomic_write_text(area_dir / "index.html", page)
