"""The pages that tie packs together: the top-level ``index.html`` and each area's landing page.

Built from ``manifest.json`` alone, so they are always consistent with what is on disk. The index lists failed
notebooks first, then every area grouped by region and by county (a county with its districts; unitary
authorities, metropolitan and London boroughs by kind), with a filter box that works offline (a few lines of
inline script; without script every area is simply listed). Only failures are flagged: a topic that succeeded is
a plain link.
"""

from __future__ import annotations

import csv
import html
import json
from collections import Counter
from pathlib import Path

from .files import atomic_write_text
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES

PAGE_STYLE = """
body{font-family:Arial,Helvetica,sans-serif;margin:0;color:#0b0c0c;line-height:1.45}
main{max-width:72em;margin:0 auto;padding:1.2em 2em 3em}
header.nbu-site{background:#12436D;color:#fff;padding:.8em 2em}
header.nbu-site a{color:#fff}
h1{border-bottom:4px solid #12436D;padding-bottom:.3em}
table{border-collapse:collapse;width:100%}
th,td{border-bottom:1px solid #b1b4b6;padding:.45em .6em;text-align:left;vertical-align:top}
thead th{border-bottom:2px solid #0b0c0c}
small{color:#505a5f}
.nbu-filter{margin:1em 0}
.nbu-filter input{font-size:1em;padding:.35em;border:2px solid #0b0c0c;width:22em;max-width:100%}
.nbu-failures{border-left:6px solid #d4351c;padding:.2em 0 .2em 1em;margin:1em 0 2em}
h2.nbu-region{margin-top:2em;border-bottom:2px solid #b1b4b6}
table.nbu-areas th[scope=row]{width:24%}
.failed span{color:#d4351c;font-weight:bold}
a{color:#1d70b8}
.nbu-headlines{font-weight:normal;font-size:.85em;margin:.3em 0 0 1em;padding:0}
a:focus{outline:3px solid #ffdd00;background:#ffdd00;color:#0b0c0c}
@media print{header.nbu-site{background:none;color:#000}a{color:#000}}
@media (max-width:600px){main{padding:1em .8em 2em}header.nbu-site{padding:.8em}table{display:block;overflow-x:auto}}
"""


def _page(title: str, body: str) -> str:
    return (
        "<!DOCTYPE html>\n<html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width, initial-scale=1'>"
        f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body>"
        "<header class='nbu-site'>Infant and maternal health needs assessment</header>"
        f"<main>{body}</main></body></html>\n"
    )


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

    items = "".join(
        f"<li>{html.escape(r.get('indicator', ''))}: <strong>{html.escape(value(r))}</strong> "
        f"({html.escape(where(r))}{html.escape(r.get('period', ''))}; {html.escape(r.get('comparison', ''))})</li>"
        for r in rows
    )
    return f"<ul class='nbu-headlines'>{items}</ul>" if items else ""


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

FILTER_SCRIPT = """<script>
(function () {
  var box = document.getElementById('nbu-filter-box'), count = document.getElementById('nbu-filter-count');
  document.getElementById('nbu-filter').hidden = false;
  box.addEventListener('input', function () {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean), shown = 0;
    document.querySelectorAll('tr.nbu-area').forEach(function (row) {
      var text = row.getAttribute('data-search'), hit = words.every(function (w) { return text.indexOf(w) >= 0; });
      row.hidden = !hit;
      if (hit) { shown += 1; }
    });
    document.querySelectorAll('.nbu-group, .nbu-region-block').forEach(function (block) {
      block.hidden = !block.querySelector('tr.nbu-area:not([hidden])');
    });
    count.textContent = words.length ? shown + (shown === 1 ? ' area matches' : ' areas match') : '';
  });
})();
</script>"""


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


def _status_cell(out_dir: Path, folder: str, topic: str, entry: dict | None) -> str:
    title = html.escape(TOPIC_TITLES.get(topic, topic))
    if entry is None:
        return "<td><small>not run</small></td>"
    if entry["status"] == "succeeded":
        return f'<td><a href="{folder}/{topic}.html">{title}</a></td>'
    return (f'<td class="failed"><span>✗ failed</span>: {html.escape(entry["error"] or "")}'
            f'{_executed_link(out_dir, entry)}</td>')


def _executed_link(out_dir: Path, entry: dict) -> str:
    # Executed notebooks live outside the circulated area folders; linked only when one was kept.
    executed = entry.get("executed")
    return (f' (<a href="{html.escape(executed)}">executed notebook</a>)'
            if executed and (out_dir / executed).exists() else "")


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
    header = "".join(f"<th scope='col'>{html.escape(TOPIC_TITLES.get(t, t))}</th>" for t in topics)
    regions: dict[str, dict[str, list[tuple[str, str]]]] = {}
    failures = []
    for (name, code, folder), cells in sorted(by_area.items()):
        region, group, key = _placement(code)
        search = html.escape(" ".join([name, code, group, region]).lower(), quote=True)
        tds = "".join(_status_cell(out_dir, folder, topic, cells.get(topic)) for topic in topics)
        row = (f"<tr class='nbu-area' data-search='{search}'><th scope='row'><a href='{folder}/index.html'>"
               f"{html.escape(name)}</a> <small>{code}</small>{_cached_headlines(out_dir, folder)}</th>{tds}</tr>")
        regions.setdefault(region, {}).setdefault(group, []).append((key, row))
        for topic in topics:
            entry = cells.get(topic)
            if entry is not None and entry["status"] != "succeeded":
                failures.append(f"<tr><td><a href='{folder}/index.html'>{html.escape(name)}</a></td>"
                                f"<td>{html.escape(TOPIC_TITLES.get(topic, topic))}</td>"
                                f"<td>{html.escape(entry['error'] or '')}{_executed_link(out_dir, entry)}</td></tr>")
        if folders is None or folder in folders:
            write_area_page(out_dir, name, code, folder, cells, manifest)
    sections = []
    for region in sorted(regions, key=lambda r: (r == "Other areas", r)):
        groups = regions[region]
        blocks = []
        for group in sorted(groups, key=lambda g: (g in KIND_GROUPS.values() or g == "Other areas", g)):
            rows = "".join(row for _, row in sorted(groups[group]))
            blocks.append(f"<div class='nbu-group'><h3>{html.escape(group)}</h3><table class='nbu-areas'><thead>"
                          f"<tr><th scope='col'>Area</th>{header}</tr></thead><tbody>{rows}</tbody></table></div>")
        sections.append(f"<section class='nbu-region-block'><h2 class='nbu-region'>{html.escape(region)}</h2>"
                        f"{''.join(blocks)}</section>")
    failed = ""
    if failures:
        failed = (f"<section class='nbu-failures' id='failures'><h2>Failed notebooks ({len(failures)})</h2>"
                  "<p>These topics have no page: the notebook failed. Fix the cause and run the same command again "
                  "(finished work is skipped).</p><table><thead><tr><th scope='col'>Area</th><th scope='col'>Topic"
                  f"</th><th scope='col'>Reason</th></tr></thead><tbody>{''.join(failures)}</tbody></table></section>")
    pages = sum(1 for r in runs if r["status"] == "succeeded")
    boards = dashboards(out_dir, sorted(by_area))
    if boards:  # after the list of areas, with a link to them from the top
        boards = f"<div id='dashboards'>{boards}</div>"
    body = (
        "<h1>Infant and maternal health needs assessment: packs</h1>"
        f"<p>{len(by_area)} area(s), {pages} page(s){f', {len(failures)} failed' if failures else ''}. "
        f"Generated {html.escape(manifest['generated'])} by nbutils {html.escape(manifest['nbutils_version'])}. "
        "Choose an area for its pack, or a topic for one page. Data: ONS, OHID, MHCLG and NHS England, "
        "Open Government Licence v3.0."
        + (" The upper-tier authorities' <a href='#dashboards'>dashboards</a> follow the list of areas." if boards else "")
        + "</p>"
        f"{failed}"
        "<div class='nbu-filter' id='nbu-filter' hidden><label for='nbu-filter-box'>Filter areas by name, code, "
        "county or region</label><br><input type='search' id='nbu-filter-box' autocomplete='off' title='Filter areas by name, code, county or region'> "
        "<span id='nbu-filter-count' role='status'></span></div>"
        f"{''.join(sections)}{boards}{FILTER_SCRIPT}"
    )
    atomic_write_text(out_dir / "index.html", _page("Infant and maternal health needs assessment: packs", body))


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
        counts = "".join(f"<td>{rag.get(colour, 0)}</td>" for colour in RAG_COLOURS)
        rows.append(f"<tr data-search='{html.escape(' '.join([name, code, region]).lower(), quote=True)}'>"
                    f"<th scope='row'><a href='{folder}/overview.html#dashboard'>{html.escape(name)}</a> "
                    f"<small>{code}</small></th><td>{html.escape(region)}</td>{counts}</tr>")
    header = "".join(f"<th scope='col'>{colour}</th>" for colour in RAG_COLOURS)
    counties = sum(code.startswith("E10") for _, code, _ in found)
    kinds = ", ".join(part for part in (
        f"{counties} count{'y' if counties == 1 else 'ies'}" if counties else "",
        f"{len(found) - counties} unitary authorit{'y' if len(found) - counties == 1 else 'ies'} and metropolitan "
        "and London boroughs" if len(found) > counties else "") if part)
    # Folded by default: in a national run the list is long, and the areas (with the filter box) come after it.
    return ("<section class='nbu-index-dashboard'><details><summary><h2 style='display:inline'>Dashboards of the "
            f"{len(found)} upper-tier authorities</h2> ({kinds}): open the list</summary>"
            "<p>Each has a dashboard on its overview page: the headline indicators rated against England (red "
            "significantly worse, amber similar, green significantly better, grey not tested or no value). The "
            "counts are of its headline indicators.</p><table class='nbu-dashboard-list'><thead><tr>"
            f"<th scope='col'>Authority</th><th scope='col'>Region</th>{header}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></details></section>")


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
    return (f"<section class='nbu-index-dashboard'><h2>Dashboard: {html.escape(name)}</h2>"
            f"<p><a href='{folder}/overview.html#dashboard'>{html.escape(name)}'s overview</a> has the "
            f"statistical neighbours, the charts and every source.</p>{part}</section>")


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


def _combined_intro(name: str, code: str) -> str:
    """For a combined area's landing page: the authorities it is made of ('' for any other area)."""
    from . import areas
    from .errors import UnknownAreaError

    if not code.startswith(areas.COMBINED_PREFIX):
        return ""
    try:
        registry = areas.registry()
        members = " and ".join(m.name for m in registry.members(registry.get(code)))
    except UnknownAreaError:  # its set file changed since the run: the page is still written, without the sentence
        return ""
    return f"<p>{html.escape(name)} is {html.escape(members)} reported as one area.</p>"


def write_area_page(out_dir: Path, name: str, code: str, folder: str, cells: dict[str, dict],
                    manifest: dict) -> None:
    """Landing page of one area's pack: its topics in reading order, with status."""
    items = []
    for topic in _topic_order(cells):
        entry = cells[topic]
        title = html.escape(TOPIC_TITLES.get(topic, topic))
        if entry["status"] == "succeeded":
            items.append(f"<li><a href='{topic}.html'>{title}</a></li>")
        else:
            items.append(f"<li>{title}: <span class='failed'><span>not available</span></span> "
                         f"(the notebook failed: {html.escape(entry['error'] or '')})</li>")
    body = (
        f"<p><a href='../index.html'>All areas</a></p><h1>{html.escape(name)} <small>{code}</small></h1>"
        "<p>Infant and maternal health needs assessment. Each topic compares the area with its county (for "
        "two-tier districts), region and England.</p>"
        f"{_combined_intro(name, code)}<h2>Topics</h2><ol>{''.join(items)}</ol>{_downloads(out_dir / folder, cells)}"
        f"<p><small>Generated {html.escape(manifest['generated'])}.</small></p>"
    )
    atomic_write_text(out_dir / folder / "index.html", _page(f"{name}: infant and maternal health", body))


def _downloads(area_dir: Path, cells: dict[str, dict]) -> str:
    """Links to the area's PDF (when one has been printed) and to each topic's folder of CSV tables."""
    pdf = area_dir / f"{area_dir.name}.pdf"
    parts = []
    if pdf.exists():
        size = pdf.stat().st_size / 1e6
        parts.append(f"<p class='nbu-pdf'><a href='{html.escape(pdf.name)}'><strong>The whole pack as one PDF</strong>"
                     f"</a> ({size:.1f} MB, A4, for printing and circulating)</p>")
    folders = [t for t in _topic_order(cells)
               if cells[t]["status"] == "succeeded" and any((area_dir / t).glob("*.csv"))]
    if folders:
        links = "".join(f"<li><a href='{t}/'>{html.escape(TOPIC_TITLES.get(t, t))}</a>: "
                        f"{sum(1 for _ in (area_dir / t).glob('*.csv'))} CSV tables</li>" for t in folders)
        parts.append(f"<h2>Tables as CSV</h2><p>Every table in the pack, in full, as CSV files (open in Excel), one "
                     f"folder per topic:</p><ul>{links}</ul>")
    return "".join(parts)
