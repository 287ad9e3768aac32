"""Pages and page parts come from one Jinja2 environment with autoescape and one stylesheet (issue 27).

Every page type (a topic page's parts, the topic page itself, the index and an area's landing page, the PDF's title
page and overlay) is given an area name or a table cell holding markup and must print it as text.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup

from nbutils import fragments, pdf, report, site
from nbutils.runner import html as page_html

HOSTILE = "<script>alert(1)</script> & Sons"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; Sons"
TEMPLATES = Path(fragments.__file__).parent / "templates"


def assert_escaped(text: str) -> None:
    assert ESCAPED in text
    assert "<script>alert(1)" not in text


def test_the_environment_escapes_every_value_and_html_marks_markup_on_purpose():
    assert fragments._environment().autoescape is True
    assert fragments.render("report/note", text=HOSTILE) == f"<p class='nbu-note'>{ESCAPED}</p>"
    table = fragments.render("report/table", table=fragments.html("<table><tr><td>1</td></tr></table>"),
                             limited="", download=HOSTILE)
    assert table.startswith("<table><tr><td>1</td></tr></table><p class='nbu-download'>")
    assert_escaped(table)


def test_every_template_names_only_sections_the_stylesheet_has():
    named = set()
    for template in TEMPLATES.rglob("*.j2"):
        named |= set(re.findall(r'stylesheet\("([^)]*)"\)', template.read_text()))
    sections = {s.strip().strip('"') for group in named for s in group.split(",")}
    assert sections <= set(fragments._sections())
    site_css = fragments.stylesheet("site")
    assert site_css.startswith("body{font-family:Arial") and "header.nbu-site{" in site_css
    assert "/*" not in site_css  # the editors' comments (naming modules) stay in the file, never on a page
    with pytest.raises(KeyError, match="no section nope"):
        fragments.stylesheet("nope")


def test_the_stylesheet_is_the_only_place_with_css_rules():
    """No template and no page module carries CSS rules of its own (inline style attributes aside)."""
    for template in TEMPLATES.rglob("*.j2"):
        for block in re.findall(r"<style>(.*?)</style>", template.read_text(), flags=re.S):
            assert re.fullmatch(r"\s*\{\{ (resources\.nbutils_css|stylesheet\([^)]*\)) \}\}\s*", block), template
    for module in (report, site, pdf, page_html):
        assert "<style>" not in Path(module.__file__).read_text(), module.__name__


def test_the_pdf_title_page_and_overlay_escape_the_area_name():
    title = pdf._title_html(HOSTILE, "3 December 2026", {"overview": 4, "sudi": 6})
    assert_escaped(title)
    assert "<tr><td>Overview</td><td class='n'>2</td></tr><tr><td>" in title  # the next topic starts on page 6
    assert "<td class='n'>6</td>" in title and "@page{size:A4;margin:30mm 25mm}" in title
    overlay = pdf._overlay_html(HOSTILE, "3 December 2026", [(595.0, 842.0), (842.0, 595.0)])
    assert_escaped(overlay)
    assert "<div class='p port'>" in overlay and "<div class='p land'>" in overlay and "Page 2 of 2" in overlay


def _notebook(*cells) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    notebook.cells = list(cells)
    return notebook


def _html_output(html: str):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html})]
    return cell


def test_a_topic_page_escapes_its_area_name_and_lists_its_headings_after_the_key_messages():
    cell_table = pd.DataFrame({"Area": [HOSTILE], "Rate": [1.5]}).to_html(index=False, escape=True)
    notebook = _notebook(
        _html_output("<div class='nbu-messages'><h2>Key messages</h2><ul><li>One</li></ul></div>"),
        nbformat.v4.new_markdown_cell("## Births & mothers\n\nText."),
        _html_output(cell_table),
        _html_output("<h2 id='dashboard'>Dashboard</h2>"),
    )
    nav = {"area_name": HOSTILE, "topics": [{"title": "Overview", "href": "overview.html", "current": True}]}
    page = page_html.render_html(notebook, "Overview", nav)
    assert_escaped(page.split("<main>", 1)[1])  # the navigation bar and the table cell
    assert "<script>alert" not in page
    soup = BeautifulSoup(page, "html.parser")
    (contents,) = soup.select("nav.nbu-toc")
    assert [(a["href"], a.text) for a in contents.select("li a")] == [
        ("#Births-&-mothers", "Births & mothers"), ("#dashboard", "Dashboard")]
    assert '<a href="#Births-&amp;-mothers">Births &amp; mothers</a>' in page
    assert "nbu-messages" in contents.find_previous_sibling("div")["class"]  # right after the key-messages box
    assert page.count("main{max-width:1100px") == 1 and "@media print{" in page


def test_a_topic_page_without_key_messages_opens_with_its_contents():
    notebook = _notebook(nbformat.v4.new_markdown_cell("# Title\n\n## First part"),
                         nbformat.v4.new_markdown_cell("## Second part"))
    page = BeautifulSoup(page_html.render_html(notebook, "Title"), "html.parser")
    contents = page.select_one("main").find(True)  # the first element of the page's main content
    assert contents.name == "nav" and contents["class"] == ["nbu-toc"]
    assert [(a["href"], a.text) for a in contents.select("li a")] == [("#First-part", "First part"),
                                                                      ("#Second-part", "Second part")]
    plain = page_html.render_html(_notebook(nbformat.v4.new_markdown_cell("Text only.")), "T")
    assert not BeautifulSoup(plain, "html.parser").select("nav.nbu-toc")  # no headings, no contents list


def test_page_parts_escape_area_names_and_table_cells(store_ready, monkeypatch):
    shown = []
    monkeypatch.setattr(report, "display", lambda html: shown.append(html.data))
    pack = report.Pack("Swale", "overview")
    pack.area = dataclasses.replace(pack.area, name=HOSTILE)
    pack.header("Overview", summary=HOSTILE)
    pack.messages([HOSTILE])
    pack.note(HOSTILE)
    pack.missing(HOSTILE, HOSTILE, HOSTILE)
    pack.table(pd.DataFrame({"area_name": [HOSTILE], "value": [3]}), "cells", caption=HOSTILE)
    assert len(shown) == 5
    for part in shown:
        assert_escaped(part)
    assert shown[0].startswith("<style>\n.nbu-header{") and "nbutils" not in shown[0]
    assert "<h1>Overview: " + ESCAPED + "</h1>" in shown[0]
    assert f"<caption>{ESCAPED}</caption>" in shown[4] and f"<td>{ESCAPED}</td>" in shown[4]


def test_the_index_and_landing_pages_escape_area_names_and_errors(store_ready, tmp_path):
    runs = [{"area_name": HOSTILE, "area_code": "E07000113", "folder": "E07000113-swale", "topic": "overview",
             "status": "succeeded", "error": None},
            {"area_name": HOSTILE, "area_code": "E07000113", "folder": "E07000113-swale", "topic": "sudi",
             "status": "failed", "error": HOSTILE}]
    manifest = {"runs": runs, "generated": "2026-12-03 21:00", "nbutils_version": "test"}
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    site.write_index(tmp_path)
    index = (tmp_path / "index.html").read_text()
    landing = (tmp_path / "E07000113-swale" / "index.html").read_text()
    for page in (index, landing):
        assert_escaped(page)
        assert page.startswith("<!DOCTYPE html>") and page.count("header.nbu-site{background:#12436D") == 1
    assert index.count(f"<td>{ESCAPED}</td>") == 1  # the failures table's reason
    assert f'<td class="failed"><span>✗ failed</span>: {ESCAPED}</td>' in index
    assert f"<h1>{ESCAPED} <small>E07000113</small></h1>" in landing
