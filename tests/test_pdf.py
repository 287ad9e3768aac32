"""The per-area PDF (`nbutils run ... --pdf`): A4, numbered, sections in pack order, no machine path, within budget.

Printed by the headless Debian Chromium the browser tests use; read back with pypdf.
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import ROOT, run_cli

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
A4 = (595, 842)  # points, portrait; the upper-tier dashboard may print landscape


def _text(page) -> str:
    return re.sub(r"\s+", " ", page.extract_text() or "")


@pytest.fixture(scope="module")
def swale_pdf(tmp_path_factory):
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("pdf-pack")
    result = run_cli("run", "Swale", "--topics", "sudi,overview", "--out", str(out), "--jobs", "2", "--pdf")
    assert result.returncode == 0, result.stdout + result.stderr
    path = out / "E07000113-swale" / "E07000113-swale.pdf"
    assert path.exists(), result.stdout
    assert "pdf: E07000113-swale.pdf (" in result.stdout
    return out, path, PdfReader(path)


def _topic_pages(reader) -> dict[str, int]:
    """Pages per topic, from the PDF's bookmarks (one per topic, at its first page)."""
    starts = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    ends = [start for _, start in starts[1:]] + [len(reader.pages)]
    return {title: end - start for (title, start), end in zip(starts, ends)}


@pytest.mark.slow
def test_pdf_is_a4_and_numbered_page_n_of_m(swale_pdf):
    _, _, reader = swale_pdf
    total = len(reader.pages)
    assert total >= 4
    for page in reader.pages:
        size = sorted((round(float(page.mediabox.width)), round(float(page.mediabox.height))))
        assert size == sorted(A4), size
    for number, page in enumerate(reader.pages[1:], start=2):  # the title page is not numbered
        text = _text(page)
        assert f"Page {number} of {total}" in text, text[-200:]
        assert "Swale: infant and maternal health" in text  # the running header


@pytest.mark.slow
def test_title_page_lists_the_topics_with_their_first_page(swale_pdf):
    _, _, reader = swale_pdf
    title = _text(reader.pages[0])
    assert title.startswith("Swale Infant and maternal health needs assessment Pack produced")
    pages = _topic_pages(reader)
    assert list(pages) == ["Overview", "Sudden unexpected death in infancy"]  # pack order, not the order asked
    assert f"Overview 2 Sudden unexpected death in infancy {2 + pages['Overview']}" in title


@pytest.mark.slow
def test_sections_are_in_pack_order_with_about_boxes_open(swale_pdf):
    _, _, reader = swale_pdf
    text = " ".join(_text(page) for page in reader.pages)
    headings = ["Contents", "Overview: Swale", "Key messages", "Headline indicators, Swale", "Sources and notes",
                "Sudden unexpected death in infancy and infant mortality: Swale", "Infant mortality over time",
                "Safe sleep and prevention", "Sources and notes"]
    at = 0
    for heading in headings:
        found = text.find(heading, at)
        assert found >= 0, f"{heading!r} missing or out of order"
        at = found + len(heading)
    # "About this indicator" boxes print open: their definitions are in the text, not only their titles.
    assert text.count("About this indicator") >= 3
    assert text.count("Definition:") >= text.count("About this indicator") - 1


@pytest.mark.slow
def test_no_machine_path_or_browser_header_in_the_pdf(swale_pdf):
    out, path, reader = swale_pdf
    text = " ".join(_text(page) for page in reader.pages)
    raw = path.read_bytes()
    for leak in ("file://", str(out), str(ROOT), "PosixPath(", "Traceback"):
        assert leak not in text, leak
        assert leak.encode() not in raw, leak
    assert not re.search(r"(?<![\w.])/(home|tmp|work|root|usr|Users|var)/", text)
    assert "Make this Notebook Trusted" not in text  # live maps are replaced by the same maps drawn for print


@pytest.mark.slow
def test_the_sudi_page_s_maps_are_printed_as_drawn_for_print(swale_pdf):
    _, path, reader = swale_pdf
    text = " ".join(_text(page) for page in reader.pages)
    # Both SUDI maps, as vectors with their text: each one's legend caption and boundary attribution.
    assert "MSOA's LSOAs, IoD2025)" in text
    assert text.count("Boundaries: ONS, Open Government") == 2
    assert "on the web page only" not in text
    assert b"/Subtype /Image" not in path.read_bytes()  # no screenshot of a map (and charts are vectors too)


@pytest.mark.slow
def test_page_counts_within_budget(swale_pdf):
    from nbutils.pdf import budget

    _, _, reader = swale_pdf
    pages = _topic_pages(reader)
    assert pages["Sudden unexpected death in infancy"] <= budget("sudi"), pages
    assert pages["Overview"] >= 2 and pages["Sudden unexpected death in infancy"] >= 4, pages  # nothing dropped


@pytest.mark.slow
def test_overview_within_budget(swale_pdf):
    from nbutils.pdf import budget

    _, _, reader = swale_pdf
    assert _topic_pages(reader)["Overview"] <= budget("overview")


def test_pdf_without_a_browser_is_one_line_and_exit_2(tmp_path):
    result = run_cli("run", "Swale", "--topics", "overview", "--out", str(tmp_path), "--pdf",
                     env={"NBUTILS_CHROMIUM": str(tmp_path / "no-such-browser")})
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr
    assert "NBUTILS_CHROMIUM" in result.stderr and "not a file" in result.stderr
    assert not (tmp_path / "manifest.json").exists()  # refused before any notebook ran


def test_no_browser_on_path_names_the_package_to_install(monkeypatch):
    from nbutils import pdf

    monkeypatch.delenv("NBUTILS_CHROMIUM", raising=False)
    monkeypatch.setattr(pdf.shutil, "which", lambda name: None)
    with pytest.raises(pdf.BrowserMissing, match="install the Debian package 'chromium-headless-shell'"):
        pdf.find_browser()


def test_the_headless_shell_is_preferred_when_both_browsers_are_installed(monkeypatch, tmp_path):
    from nbutils import pdf

    for name in ("chromium", "chromium-headless-shell"):
        (tmp_path / name).write_text("#!/bin/sh\n")
        (tmp_path / name).chmod(0o755)
    monkeypatch.delenv("NBUTILS_CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert pdf.find_browser() == str(tmp_path / "chromium-headless-shell")
    (tmp_path / "chromium-headless-shell").unlink()
    assert pdf.find_browser() == str(tmp_path / "chromium")


# ------------------------------------------------------------------------- committee-ready print (issue 25)
#: Words meant for a screen reader of the web page, never for paper.
WEB_ONLY = ("Click a column heading", "Open the map on its own page", "click ", "hover", "tap ")
PRINT_MIN_PT = 7.0


@pytest.fixture(scope="module")
def committee_pdfs(tmp_path_factory):
    """Kent County Council's and Swale's whole packs, printed."""
    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
    from pypdf import PdfReader

    out = tmp_path_factory.mktemp("committee-pdfs")
    result = run_cli("run", "E10000016", "Swale", "--out", str(out), "--jobs", "2", "--pdf", timeout=1500)
    assert result.returncode == 0, result.stdout + result.stderr
    packs = {}
    for folder, name in (("E10000016-kent", "Kent"), ("E07000113-swale", "Swale")):
        packs[name] = (out / folder, PdfReader(out / folder / f"{folder}.pdf"))
    return packs


def _lines(page, area: str) -> list[str]:
    """A page's text lines without the running header and footer stamped on every page."""
    lines = [re.sub(r"\s+", " ", line).strip() for line in (page.extract_text() or "").splitlines()]
    return [line for line in lines if line and not line.startswith(f"{area}: infant and maternal health")
            and not re.fullmatch(r"Page \d+ of \d+", line)]


def _headings_and_captions(folder) -> set[str]:
    """Every heading and caption of the area's pages, as printed text."""
    found = set()
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for match in re.findall(r"<(h[1-4]|caption|figcaption)\b[^>]*>(.*?)</\1>", text, flags=re.S):
            words = re.sub(r"\s+", " ", re.sub(r"<[^>]+>|¶", " ", match[1])).strip()
            if len(words) > 3:
                found.add(words)
    return found


def _font_sizes(page) -> list[tuple[float, str]]:
    """(size in points, text) of every run of text on a page, after the page's and the text's transforms."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            a, b, c, d = (tm[0] * cm[0] + tm[1] * cm[2], tm[0] * cm[1] + tm[1] * cm[3],
                          tm[2] * cm[0] + tm[3] * cm[2], tm[2] * cm[1] + tm[3] * cm[3])
            sizes.append((round(size * abs(a * d - b * c) ** 0.5, 2), text.strip()))

    page.extract_text(visitor_text=visit)
    return sizes


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_tables_of_up_to_40_rows_print_in_full_and_longer_ones_say_where_the_rest_are(committee_pdfs, area):
    _, reader = committee_pdfs[area]
    text = " ".join(_text(page) for page in reader.pages)
    assert "not printed" not in text
    shortened = [int(n) for n in re.findall(r"Printed: the first 10 of (\d+) rows", text)]
    assert all(n > 40 for n in shortened), shortened
    # Each shortened table says where the rest are (Kent's 72 districts ranked by deprivation, for one; Swale prints
    # none longer than 40 rows since its 56-row data currency table is left to the web page).
    notes = re.findall(r"all (\d+) are in \w+/\w+\.csv \(CSV\) in the pack folder", text)
    assert [int(n) for n in notes] == shortened
    assert shortened or area == "Swale"


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_no_page_ends_with_a_heading_or_a_caption(committee_pdfs, area):
    folder, reader = committee_pdfs[area]
    titles = _headings_and_captions(folder)
    stranded = []
    for number, page in enumerate(reader.pages[1:], start=2):
        lines = _lines(page, area)
        last = lines[-1] if lines else ""
        if last and any(last == title or (len(last) > 15 and title.endswith(last)) for title in titles):
            stranded.append((number, last))
    assert not stranded, stranded


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_no_web_only_words_on_paper(committee_pdfs, area):
    _, reader = committee_pdfs[area]
    text = " ".join(_text(page) for page in reader.pages)
    assert not [phrase for phrase in WEB_ONLY if phrase.lower() in text.lower()]


def _over_budget(reader) -> dict[str, int]:
    from nbutils.pdf import budget
    from nbutils.topics_meta import TOPIC_TITLES

    pages = _topic_pages(reader)
    assert len(pages) == 6, pages
    return {title: n for title, n in pages.items()
            if n > budget(next(t for t, name in TOPIC_TITLES.items() if name == title))}


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_committee_pdfs_topics_hold_their_page_budgets(committee_pdfs, area):
    _, reader = committee_pdfs[area]
    over = _over_budget(reader)
    over.pop("Overview", None)  # see test_committee_overview_holds_its_page_budget
    assert not over, _topic_pages(reader)


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_committee_overview_holds_its_page_budget(committee_pdfs, area):
    """A county's overview prints landscape throughout (the dashboard with what the district's prints) in 4 pages;
    what it leaves to the web page prints as lines saying where it is."""
    folder, reader = committee_pdfs[area]
    assert "Overview" not in _over_budget(reader), _topic_pages(reader)
    text = " ".join(_text(page) for page in reader.pages)
    if area == "Kent":
        for kept in ("Key messages", "What would it take?", "The seven levers of the national report applied to Kent",
                     "Service performance: Kent's key performance indicators", "Outcomes: Kent"):
            assert kept in text, kept
        for pointer in ("scorecard", "scale_of_need", "neighbours", "districts"):
            assert f"overview/{pointer}.csv (CSV) in the pack folder" in text, pointer
            assert (folder / "overview" / f"{pointer}.csv").exists(), pointer
        assert "Districts of Kent side by side (each district's figures" in text
        # The web-only neighbour panels: DWP publishes no England value, and the chart's alt text says so too.
        assert ("with England marked (no England value in the source of children in relative low income families "
                "(before housing costs))." in (folder / "overview.html").read_text(encoding="utf-8"))
    else:  # a district prints its spine chart and scale of need, and no dashboard pointers
        assert "Scale of need: perinatal mental health" in text and "overview/neighbours.csv" not in text


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_no_text_in_the_pdf_is_smaller_than_7_points(committee_pdfs, area):
    """The text layer holds the pages' text and the charts' (SVG text stays text), so this covers both."""
    _, reader = committee_pdfs[area]
    small = [(number, size, text) for number, page in enumerate(reader.pages, start=1)
             for size, text in _font_sizes(page) if size < PRINT_MIN_PT - 0.05]
    assert not small, small[:10]
    # The charts' own text is in that layer: the axis labels of the Year 6 obesity chart, for one.
    assert any("Children living with obesity (%)" in text for page in reader.pages
               for _, text in _font_sizes(page))


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_every_chart_is_embedded_at_a_size_that_keeps_its_text_at_7_points(committee_pdfs, area):
    import base64

    from nbutils.chart_style import PORTRAIT_TEXT_PT, figure_sizing

    folder, _ = committee_pdfs[area]
    charts = 0
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        for data in re.findall(r"""src=["']data:image/svg\+xml;base64,([^"']+)["']""", text):
            sizing = figure_sizing(base64.b64decode(re.sub(r"\s", "", data)))
            printed = min(sizing.print_width_pt, PORTRAIT_TEXT_PT)
            assert sizing.smallest_pt * printed / sizing.width_pt >= PRINT_MIN_PT, (page.name, sizing)
            charts += 1
    assert charts >= 15


# ------------------------------------------------------------------------- navigation and long tables (fast)
def test_a_district_card_prefers_its_own_series_and_names_the_county_s_figure(tmp_path):
    from nbutils import site

    folder = tmp_path / "E07000113-swale" / "overview"
    folder.mkdir(parents=True)
    (folder / "headlines.csv").write_text(  # a fixture in the shape of the overview's headlines.csv
        "indicator,value,unit,period,value_geography,comparison\n"
        "\"Infant mortality (single year, county or unitary)\",3.6,\"per 1,000 live births\",2023,Kent,Not tested\n"
        "Breastfeeding at 6 to 8 weeks,51.0,%,2023/24,Kent,Not tested\n"
        "Obesity in Year 6 (age 10-11),23.9,%,2024/25,,Similar\n"
        "Smoking at time of delivery,13.8,%,2018/19,Kent,Worse than England\n"
        "\"Infant mortality (3-year pooled, district series)\",4.9,\"per 1,000 live births\",2019-21,,Not tested\n")
    card = site.headlines(tmp_path, "E07000113-swale")
    items = re.findall(r"<li>(.*?)</li>", card)
    assert len(items) == 4
    assert items[0].startswith("Infant mortality (3-year pooled, district series): <strong>4.9 per 1,000")
    assert "Kent&#39;s figure, 2023/24" in items[1] and "Kent" not in items[2]
    assert "single year, county or unitary" not in card  # the county's series gives way to the district's own


def test_area_page_links_the_pdf_once_printed_and_every_csv_folder(tmp_path):
    from nbutils import site

    area = tmp_path / "E07000113-swale"
    (area / "sudi").mkdir(parents=True)
    (area / "sudi" / "funnel.csv").write_text("a\n1\n")
    cells = {"sudi": {"topic": "sudi", "status": "succeeded", "error": None}}
    manifest = {"generated": "2026-01-01T00:00:00+00:00", "runs": []}
    site.write_area_page(tmp_path, "Swale", "E07000113", area.name, cells, manifest)
    page = (area / "index.html").read_text()
    assert "href='sudi/'" in page and ".pdf" not in page  # no PDF printed: no link to one
    (area / f"{area.name}.pdf").write_bytes(b"%PDF-1.7 fixture")
    site.write_area_page(tmp_path, "Swale", "E07000113", area.name, cells, manifest)
    assert f"href='{area.name}.pdf'" in (area / "index.html").read_text()


def test_a_long_table_shows_the_rows_that_matter_and_says_where_the_rest_are():
    import pandas as pd

    from nbutils.tables import shown_rows as _shown_rows

    ranked = pd.DataFrame({"MSOA": [f"Fixture {n:03d}" for n in range(183)], "Share": range(183, 0, -1)})
    shown, note = _shown_rows(ranked, 10)
    assert list(shown.MSOA) == [f"Fixture {n:03d}" for n in range(10)] and "first 10 of 183 rows" in note
    assert _shown_rows(ranked.head(8), 10)[1] == ""  # a short table is shown whole
    # A view sorted from the frame keeps the frame's row labels: the mask follows the rows, not their order.
    frame = pd.DataFrame({"area": ["A", "B", "C", "D"], "group": ["other", "sibling", "other", "area"]})
    view = frame.sort_values("area", ascending=False)
    shown, note = _shown_rows(view, frame.group != "other")
    assert list(shown.area) == ["D", "B"] and note.startswith("2 of 4 rows shown")
    # An area outside the table (Westminster in the 2016-18 funnel extract): its first rows, never all 90.
    extract = pd.DataFrame({"area": [f"Fixture {n:02d}" for n in range(90)], "group": "other"})
    shown, note = _shown_rows(extract, extract.group != "other")
    assert len(shown) == 10 and note.startswith("The area and its comparison group are not in this table: the first "
                                                "10 of 90 rows")
    shown, note = _shown_rows(extract.head(6), extract.head(6).group != "other")
    assert len(shown) == 6 and note == ""  # a short table is shown whole


@pytest.mark.slow
@pytest.mark.parametrize("area", ["Kent", "Swale"])
def test_sections_left_to_the_web_page_say_where_they_are(committee_pdfs, area):
    folder, reader = committee_pdfs[area]
    text = " ".join(_text(page) for page in reader.pages)
    pointers = re.findall(r"on the web page \((\w+)\.html\) and in (\w+)/(\w+)\.csv \(CSV\) in the pack folder", text)
    assert {(topic, name) for topic, _, name in pointers} >= {
        ("overview", "scorecard"), ("overview", "levers_national_check"), ("overview", "data_currency"),
        ("sudi", "risk_factor_scorecard"), ("housing", "health_index_overcrowding")}
    for topic, same, name in pointers:
        assert topic == same and (folder / topic / f"{name}.csv").exists(), name
        assert (folder / f"{topic}.html").exists()
    # The sections themselves are on screen only: their captions are not on paper ...
    assert f"Data currency: the indicators held for {folder.name.split('-')[0]}" not in text
    assert "Check: the national report's published contributions" not in text
    # ... and the content readers need is: key messages, the seven levers, the actions, the dashboard.
    for needed in ("Key messages", "The seven levers of the national report applied to", "What commissioners can do",
                   "The levers that act through SUDI"):
        assert needed in text, needed
    if area == "Kent":
        assert "Districts of Kent side by side" in text


def test_the_sudi_page_shows_the_overview_s_lever_rows_not_a_second_model(store_ready):
    from nbutils import sections
    from nbutils.areas import resolve_targets
    from nbutils.topics import levers, overview

    shown = {}

    class Pack:  # records what the section hands to the page
        area = resolve_targets(["Swale"])[0]
        topic = "sudi"

        def note(self, *texts):
            shown["notes"] = texts

        def table(self, frame, name, caption, shown=None, **_):
            shown_tables.append({"frame": frame, "name": name, "caption": caption})

        def used_local(self, rows):
            shown["local"] = rows

    shown_tables = []
    pack = Pack()
    card = overview.scorecard(pack.area)
    sections.sudi_levers(pack, card)
    (table,) = shown_tables
    assert table["name"] == "what_would_it_take_sudi_levers"
    assert list(table["frame"].key) == ["smoking", "overcrowding", "sudi", "breastfeeding"]
    seven = levers.lever_table(pack.area, card, levers.infant_deaths(pack.area), levers.national()).set_index("key")
    for row in table["frame"].itertuples():  # the very numbers of the overview's seven-lever table
        assert row.deaths_prevented_a_year == pytest.approx(seven.loc[row.key, "deaths_prevented_a_year"])
    # Swale, 2019-21: 8.2 infant deaths a year; these four levers together 5.9% of them (0.5 a year).
    assert "Together these 4 would prevent about 0.5 infant deaths a year in Swale" in shown["notes"][1]
    assert "5.9% of its infant deaths, 2019-21" in shown["notes"][1]
    assert "local" in shown  # Swale's breastfeeding figure is Kent County Council's local data, named in the footer


@pytest.mark.slow
def test_a_tab_whose_page_fails_is_replaced_and_the_batch_prints_on(tmp_path):
    import asyncio

    from nbutils import pdf

    if CHROMIUM is None:
        pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
    page = tmp_path / "page.html"
    page.write_text("<!doctype html><title>Fixture</title><h1>A fixture page</h1>", encoding="utf-8")

    async def batch():
        async with pdf._browser() as browser:
            tabs = await pdf.Tabs.open(browser, 2)
            with pytest.raises(Exception, match="ERR_FILE_NOT_FOUND"):
                await tabs.run(lambda tab: tab.goto((tmp_path / "missing.html").as_uri()))
            printed = await asyncio.gather(*(tabs.run(lambda tab: pdf.print_page(tab, page)) for _ in range(3)))
            return printed, tabs._free.qsize()

    printed, free = asyncio.run(batch())
    assert [p[:5] for p in printed] == [b"%PDF-"] * 3
    assert free == 2  # the failed tab was replaced, not lost


@pytest.mark.slow
def test_a_pdf_is_printed_again_only_when_its_pages_change(swale_pdf, tmp_path):
    from pypdf import PdfReader

    from nbutils.areas import resolve_targets
    from nbutils.pdf import write_area_pdfs
    from nbutils.topics_meta import TOPIC_TITLES

    out = tmp_path / "pack"
    shutil.copytree(swale_pdf[0], out)
    path = out / "E07000113-swale" / "E07000113-swale.pdf"
    printed = path.read_bytes()
    swale = resolve_targets(["Swale"])
    again = write_area_pdfs(out, swale)  # the pages as printed (each now links its PDF)
    assert [(w.kept, w.error) for w in again] == [(True, None)]
    assert {TOPIC_TITLES[t]: n for t, n in again[0].pages.items()} == _topic_pages(swale_pdf[2])
    assert path.read_bytes() == printed  # not printed again

    page = out / "E07000113-swale" / "sudi.html"
    page.write_text(page.read_text(encoding="utf-8").replace("</h1>", " (revised)</h1>", 1), encoding="utf-8")
    changed = write_area_pdfs(out, swale)
    assert [(w.kept, w.error) for w in changed] == [(False, None)]
    assert path.read_bytes() != printed
    assert "(revised)" in " ".join(_text(p) for p in PdfReader(path).pages)
    assert [w.kept for w in write_area_pdfs(out, swale)] == [True]
    assert [w.kept for w in write_area_pdfs(out, swale, force=True)] == [False]  # --force prints it again
