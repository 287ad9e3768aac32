"""No build residue in a circulated pack: every page and CSV of the Kent batch is scanned.

A pack is emailed to commissioners, so it must not carry the machine's folder names, Python reprs, tracebacks,
Jupyter notices, developer instructions, internal function names, snake_case table headings, long floats in
shown tables, or text about other authorities (issue 14, "Residue and noise to remove").

The whole Kent set runs by default (13 areas x 6 topics, about 15 minutes on 2 cores). For a quick local check
set ``NBUTILS_RESIDUE_AREAS`` to a few areas, e.g. ``NBUTILS_RESIDUE_AREAS="Swale Medway"``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from conftest import run_cli

PROJECT = Path(__file__).resolve().parents[1]
DATA_URI = re.compile(r"data:[a-z/+.-]+;base64,[A-Za-z0-9+/=]+")
TABLE = re.compile(r"<table\b.*?</table>", re.S)
HEADING = re.compile(r"<th\b[^>]*>(.*?)</th>", re.S)
CELL = re.compile(r"<td\b[^>]*>(.*?)</td>", re.S)
SNAKE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)+")
LONG_FLOAT = re.compile(r"-?\d+\.\d{4,}")
#: Strings that never belong in a page or CSV, whatever the area.
RESIDUE = ["PosixPath(", "WindowsPath(", "<Figure", "dtype:", "Traceback", "Make this Notebook Trusted",
           "parameters at the top of the notebook", "nbutils.", "/root/", "/home/", "/tmp/"]
#: Other authorities named in earlier drafts of reader text (allowed inside tables, where a row is about them).
OTHER_PLACES = ["Trafford", "Coventry"]


def _text(path: Path) -> str:
    # Charts are embedded as base64 images: their bytes are not text a reader sees (and can spell anything).
    return DATA_URI.sub("", path.read_text(encoding="utf-8", errors="replace"))


def residue_problems(out: Path, extra: tuple[str, ...] = ()) -> list[str]:
    """Every residue string, snake_case heading, long float or other-place mention in the pages and CSVs."""
    problems = []
    needles = RESIDUE + [str(out), str(PROJECT), *extra]
    for path in sorted(out.rglob("*")):
        if path.suffix not in (".html", ".csv"):
            continue
        name = path.relative_to(out).as_posix()
        text = _text(path)
        problems += [f"{name}: {needle!r}" for needle in needles if needle in text]
        is_page = path.suffix == ".html" and path.parent.parent == out  # a topic page, not a standalone map
        if not is_page:
            continue
        for table in TABLE.findall(text):
            for heading in HEADING.findall(table):
                heading = re.sub(r"<[^>]+>", "", heading).strip()
                if SNAKE.fullmatch(heading):
                    problems.append(f"{name}: snake_case heading {heading!r}")
            for cell in CELL.findall(table):
                cell = re.sub(r"<[^>]+>", "", cell).strip()
                if LONG_FLOAT.fullmatch(cell.replace(",", "")):
                    problems.append(f"{name}: unrounded value {cell!r}")
        prose = TABLE.sub("", text)
        problems += [f"{name}: mentions {place}" for place in OTHER_PLACES if place in prose]
    return problems


def test_scanner_catches_each_kind_of_residue(tmp_path):
    # A fixture folder built here, standing for an area's pack: one clean page, one page and CSV with residue.
    area = tmp_path / "E07000113-swale"
    (area / "housing").mkdir(parents=True)
    (area / "clean.html").write_text("<p>Overcrowded households in Swale</p><table><tr><th>Area</th></tr>"
                                     "<tr><td>Coventry</td><td>4.1</td></tr></table>")
    (area / "housing.html").write_text(
        f"<pre>PosixPath('{tmp_path}/x.csv')</pre><p>Coventry's strategy</p>"
        "<table><tr><th>area_code</th></tr><tr><td>70.855690</td></tr></table>"
        "<span>Make this Notebook Trusted to load map</span><img src='data:image/svg+xml;base64,L3RtcC9h'>")
    (area / "housing" / "t.csv").write_text("a,b\n1,Traceback (most recent call last)\n")
    problems = residue_problems(tmp_path)
    assert not [p for p in problems if p.startswith("E07000113-swale/clean.html")]
    found = "\n".join(problems)
    for expected in ("'PosixPath('", str(tmp_path), "mentions Coventry", "snake_case heading 'area_code'",
                     "unrounded value '70.855690'", "Make this Notebook Trusted", "t.csv: 'Traceback'"):
        assert expected in found, expected


@pytest.mark.slow
def test_kent_batch_has_no_residue(store_ready, tmp_path):
    areas = os.environ.get("NBUTILS_RESIDUE_AREAS", "kent").split()
    out = tmp_path / "packs"
    result = run_cli("run", *areas, "--out", str(out), "--jobs", "2", timeout=3000)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    pages = list(out.glob("*/*.html"))
    assert len(pages) >= 6 * len(areas), "the batch wrote too few pages to scan"
    problems = residue_problems(out)
    assert problems == [], "\n".join(problems[:40])
