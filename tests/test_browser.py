"""Packs in a real browser (headless Debian Chromium) with the network off.

Every page opens without JavaScript errors, every map draws its polygons, links between pages resolve and CSV
downloads exist. Screenshots of a page and a map are saved to test-artifacts/ for review.
"""

from __future__ import annotations

import html
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from conftest import CHROMIUM, ROOT, run_cli

ARTIFACTS = ROOT / "test-artifacts"

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("store_ready")]


@pytest.fixture()
def offline_page(browser):
    """A page whose every http(s) request fails, as on a council network that blocks CDNs (or no network)."""
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.errors = errors
    yield page
    context.close()


@pytest.fixture(scope="module")
def pack(tmp_path_factory):
    """A complete pack (every topic) for one Kent district."""
    out = tmp_path_factory.mktemp("browser-pack")
    result = run_cli("run", "Swale", "--out", str(out), "--jobs", "2")
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def _local_links(page, attribute_selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(attribute_selector, "els => els.map(e => e.getAttribute('href'))")
    return [h for h in hrefs if h and not h.startswith(("http:", "https:", "#", "mailto:"))]


def _pages(pack: Path) -> list[Path]:
    return [pack / "index.html", *sorted((pack / "E07000113-swale").glob("*.html"))]


def test_every_page_opens_offline_without_script_errors_and_its_links_resolve(pack, offline_page):
    pages = _pages(pack)
    assert len(pages) >= 3  # top index, area landing page, at least one topic
    for path in pages:
        offline_page.goto(path.as_uri())
        offline_page.wait_for_load_state("load")
        assert offline_page.errors == [], f"{path.name}: {offline_page.errors}"
        for href in _local_links(offline_page, "a[href]"):
            target = unquote(urlparse(href).path)
            assert (path.parent / target).resolve().exists(), f"{path.name} links to missing {href}"


def test_every_map_draws_its_polygons_offline(pack, offline_page):
    maps = sorted((pack / "E07000113-swale").glob("*/map_*.html"))
    assert maps, "the pack has no standalone maps"
    for path in maps:
        offline_page.goto(path.as_uri())
        offline_page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=15_000)
        polygons = offline_page.locator("path.leaflet-interactive").count()
        assert polygons >= 5, f"{path.name} drew {polygons} polygons"
        assert offline_page.errors == [], f"{path.name}: {offline_page.errors}"
        assert offline_page.locator(".nbu-legend").count() == 1, f"{path.name} has no legend"
    ARTIFACTS.mkdir(exist_ok=True)
    offline_page.screenshot(path=str(ARTIFACTS / "map.png"))


def test_maps_inside_topic_pages_draw_too(pack, offline_page):
    page_path = pack / "E07000113-swale" / "ethnicity.html"
    offline_page.goto(page_path.as_uri())
    frames = [f for f in offline_page.frames if f != offline_page.main_frame]
    assert len(frames) >= 2  # two maps on the ethnicity page
    for frame in frames:
        frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=15_000)
        assert frame.locator("path.leaflet-interactive").count() >= 5
    assert offline_page.errors == []
    ARTIFACTS.mkdir(exist_ok=True)
    offline_page.screenshot(path=str(ARTIFACTS / "ethnicity-page.png"), full_page=True)


def test_csv_downloads_exist_and_charts_have_alt_text(pack, offline_page):
    for path in sorted((pack / "E07000113-swale").glob("*.html")):
        if path.name == "index.html":
            continue
        offline_page.goto(path.as_uri())
        downloads = _local_links(offline_page, "a[download]")
        assert downloads, f"{path.name} offers no CSV downloads"
        for href in downloads:
            assert href.endswith(".csv") and (path.parent / href).exists(), href
        alts = offline_page.eval_on_selector_all("img", "els => els.map(e => e.getAttribute('alt') || '')")
        assert all(len(alt) > 20 for alt in alts), f"{path.name}: an image lacks alt text"


def test_headings_are_in_order(pack, offline_page):
    offline_page.goto((pack / "E07000113-swale" / "ethnicity.html").as_uri())
    levels = offline_page.eval_on_selector_all("main h1, main h2, main h3, main h4",
                                               "els => els.map(e => Number(e.tagName[1]))")
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), levels


# ------------------------------------------------------------------------------------- phone, desktop, screenshots
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def _open(browser, path: Path, viewport: dict):
    context = browser.new_context(viewport=viewport)
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    page = context.new_page()
    page.goto(path.as_uri(), wait_until="load")
    return context, page


def test_screenshots_at_desktop_and_phone_width(pack, browser):
    """Saved for review: the overview, the SUDI page and a map, at 1280 and 390 px (test-artifacts/)."""
    area = pack / "E07000113-swale"
    map_page = sorted(area.glob("sudi/map_*.html"))[0]
    ARTIFACTS.mkdir(exist_ok=True)
    for label, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        for name, path in (("overview", area / "overview.html"), ("sudi", area / "sudi.html"), ("map", map_page)):
            context, page = _open(browser, path, viewport)
            try:
                if name == "map":
                    page.wait_for_selector("path.leaflet-interactive", state="attached", timeout=15_000)
                shot = ARTIFACTS / f"{name}-{label}.png"
                page.screenshot(path=str(shot), full_page=name != "map")
                assert shot.stat().st_size > 10_000, shot.name  # a drawn page, not a blank one
            finally:
                context.close()


@pytest.mark.parametrize("relative", ["index.html", "E07000113-swale/index.html", "E07000113-swale/overview.html",
                                      "E07000113-swale/sudi.html", "E07000113-swale/housing.html"])
def test_pages_fit_a_phone_without_sideways_scrolling(pack, browser, relative):
    context, page = _open(browser, pack / relative, PHONE)
    try:
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{relative} is {width} px wide on a {PHONE['width']} px phone"
    finally:
        context.close()


def test_iframes_have_titles_and_every_tab_stop_has_a_name(pack, browser):
    for path in (pack / "E07000113-swale" / "sudi.html", pack / "index.html"):
        context, page = _open(browser, path, DESKTOP)
        try:
            titles = page.eval_on_selector_all("iframe", "els => els.map(e => e.title)")
            assert all(t.startswith("Interactive map: ") for t in titles), titles
            stops = page.eval_on_selector_all(
                "a[href], button, input, select, textarea, iframe, [tabindex]:not([tabindex='-1'])",
                """els => els.filter(e => e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden')
                            .map(e => (e.getAttribute('aria-label') || e.title || e.innerText || e.alt || '').trim())""")
            assert stops, path.name
            assert all(stops), f"{path.name}: {stops.count('')} tab stop(s) with no text or label"
        finally:
            context.close()


# ------------------------------------------------------------------- navigation and phone reading (issue 25)
@pytest.fixture(scope="module")
def printed_pack(tmp_path_factory):
    """Kent County Council and Swale, overview and SUDI pages, with their PDFs."""
    if CHROMIUM is None:
        pytest.skip("Chromium not installed (apt-get install chromium)")
    out = tmp_path_factory.mktemp("printed-pack")
    result = run_cli("run", "E10000016", "Swale", "--topics", "overview,sudi", "--out", str(out), "--jobs", "2",
                     "--pdf", timeout=1200)
    assert result.returncode == 0, result.stdout + result.stderr
    return out


def test_the_set_index_opens_with_the_area_list_and_filter_before_the_dashboards(printed_pack, browser):
    context, page = _open(browser, printed_pack / "index.html", DESKTOP)
    try:
        assert page.locator("#nbu-filter-box").is_visible()
        filter_top = page.locator("#nbu-filter-box").bounding_box()["y"]
        dashboards = page.locator(".nbu-index-dashboard")
        assert dashboards.count() >= 1  # Kent's dashboard, after the list
        assert filter_top < dashboards.first.bounding_box()["y"]
        assert filter_top < page.locator("tr.nbu-area").first.bounding_box()["y"] < dashboards.first.bounding_box()["y"]
        assert filter_top < 900  # on the first screen, not thousands of pixels down
    finally:
        context.close()


def test_every_area_page_links_its_existing_pdf_and_csv_folders(printed_pack, browser):
    areas = [printed_pack / "E10000016-kent", printed_pack / "E07000113-swale"]
    for area in areas:
        pdf = area / f"{area.name}.pdf"
        assert pdf.exists()
        for path in sorted(area.glob("*.html")):
            context, page = _open(browser, path, DESKTOP)
            try:
                hrefs = _local_links(page, "a[href]")
                assert f"{area.name}.pdf" in hrefs, f"{path.name} does not link the PDF"
                if path.name == "index.html":  # the landing page: the PDF and each topic's CSV folder
                    assert "overview/" in hrefs and "sudi/" in hrefs
                    assert "The whole pack as one PDF" in page.inner_text("main")
            finally:
                context.close()


def test_a_district_card_shows_the_district_s_own_figures(printed_pack):
    page = (printed_pack / "index.html").read_text()
    card = page[page.index(">Swale</a>"):].split("</th>")[0]
    items = [html.unescape(re.sub(r"<[^>]+>", "", item)) for item in re.findall(r"<li>(.*?)</li>", card)]
    assert len(items) == 4
    own = [item for item in items if "Kent's figure" not in item]
    assert len(own) >= 2, items  # infant mortality (district series) and Year 6 obesity are Swale's own
    assert any(item.startswith("Infant mortality (3-year pooled, district series)") for item in own), items
    # Where Swale has no figure (breastfeeding), Kent's is shown and named as Kent's.
    assert all("Kent's figure" in item for item in items if item.startswith("Breastfeeding"))


@pytest.mark.parametrize("topic", ["overview", "sudi"])
def test_on_a_phone_key_messages_come_first_charts_keep_10px_text_and_tables_show_two_columns(printed_pack,
                                                                                              browser, topic):
    import base64

    from nbutils.chart_style import figure_sizing

    path = printed_pack / "E07000113-swale" / f"{topic}.html"
    context, page = _open(browser, path, PHONE)
    try:
        messages = page.locator(".nbu-messages").bounding_box()["y"]
        later = page.eval_on_selector_all(
            "main h2:not(.nbu-messages h2):not(.nbu-toc-title), main figure, main table",
            "els => els.filter(e => e.getClientRects().length).map(e => e.getBoundingClientRect().top + scrollY)")
        assert later and messages < min(later)
        for image in page.query_selector_all("figure.nbu-figure img"):
            data = image.get_attribute("src").split(",", 1)[1]
            sizing = figure_sizing(base64.b64decode(data))
            shown = image.bounding_box()["width"]
            assert sizing.smallest_pt * shown / sizing.width_pt >= 10, (image.get_attribute("alt")[:60], shown)
        for table in page.query_selector_all("main table"):
            row = table.query_selector("tbody tr") or table.query_selector("tr")
            cells = row.query_selector_all("th, td")[:2] if row else []
            for cell in cells:
                box = cell.bounding_box()
                if box:
                    assert box["x"] + box["width"] <= PHONE["width"] + 1, (cell.inner_text()[:40], box)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()
