"""The pages that tie packs together: the top-level ``index.html`` and each area's landing page.

Built from ``manifest.json`` alone, so they are always consistent with what is on disk.
"""

from __future__ import annotations

import csv
import html
import json
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
.ok{color:#00703c}
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


def headlines(out_dir: Path, folder: str, limit: int = 4) -> str:
    """A few headline indicators for the index, from the overview's ``headlines.csv`` when it exists."""
    path = out_dir / folder / "overview" / "headlines.csv"
    if not path.exists():
        return ""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))[:limit]
    def where(r):
        return f"{r['value_geography']}, " if r.get("value_geography") else ""

    items = "".join(
        f"<li>{html.escape(r.get('indicator', ''))}: <strong>{html.escape(r.get('value', '') or '[x]')}"
        f"{html.escape(_unit(r.get('unit', '')))}</strong> "
        f"({html.escape(where(r))}{html.escape(r.get('period', ''))}; {html.escape(r.get('comparison', ''))})</li>"
        for r in rows
    )
    return f"<ul class='nbu-headlines'>{items}</ul>" if items else ""


def load_runs(out_dir: Path) -> tuple[dict, list[dict]]:
    manifest = json.loads((out_dir / "manifest.json").read_text())
    return manifest, manifest["runs"]


def write_index(out_dir: Path, folders: set[str] | None = None) -> None:
    """Write ``index.html`` (every area with each topic's status) and the areas' landing pages.

    Parameters
    ----------
    folders : area folders whose landing page changed (default: every area's page is rewritten).
    """
    if not (out_dir / "manifest.json").exists():
        return
    manifest, runs = load_runs(out_dir)
    topics = _topic_order({r["topic"] for r in runs})
    by_area: dict[tuple[str, str, str], dict[str, dict]] = {}
    for record in runs:
        by_area.setdefault((record["area_name"], record["area_code"], record["folder"]), {})[record["topic"]] = record
    rows = []
    for (name, code, folder), cells in sorted(by_area.items()):
        tds = []
        for topic in topics:
            entry = cells.get(topic)
            title = html.escape(TOPIC_TITLES.get(topic, topic))
            if entry is None:
                tds.append("<td><small>not run</small></td>")
            elif entry["status"] == "succeeded":
                tds.append(f'<td><a href="{folder}/{topic}.html">{title}</a> <span class="ok">✓ ready</span></td>')
            else:
                # Executed notebooks live outside the circulated area folders; linked only when one was kept.
                executed = entry.get("executed")
                link = (f' (<a href="{html.escape(executed)}">executed notebook</a>)'
                        if executed and (out_dir / executed).exists() else "")
                tds.append(f'<td class="failed"><span>✗ failed</span>: {html.escape(entry["error"] or "")}'
                           f'{link}</td>')
        rows.append(f"<tr><th scope='row'><a href='{folder}/index.html'>{html.escape(name)}</a> "
                    f"<small>{code}</small>{headlines(out_dir, folder)}</th>{''.join(tds)}</tr>")
        if folders is None or folder in folders:
            write_area_page(out_dir, name, code, folder, cells, manifest)
    header = "".join(f"<th scope='col'>{html.escape(TOPIC_TITLES.get(t, t))}</th>" for t in topics)
    body = (
        "<h1>Infant and maternal health needs assessment: packs</h1>"
        f"<p>Generated {html.escape(manifest['generated'])} by nbutils {html.escape(manifest['nbutils_version'])}. "
        "Choose an area for its pack, or a topic for one page. Data: ONS, OHID, MHCLG and NHS England, "
        "Open Government Licence v3.0.</p>"
        f"<table><thead><tr><th scope='col'>Area</th>{header}</tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )
    atomic_write_text(out_dir / "index.html", _page("Infant and maternal health needs assessment: packs", body))


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
        f"<h2>Topics</h2><ol>{''.join(items)}</ol>"
        f"<p><small>Generated {html.escape(manifest['generated'])}.</small></p>"
    )
    atomic_write_text(out_dir / folder / "index.html", _page(f"{name}: infant and maternal health", body))
