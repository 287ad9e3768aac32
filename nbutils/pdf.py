"""One PDF per area: a title page with contents, then the overview and the topics in pack order, A4, numbered.

The pack's own HTML pages are printed by headless Chromium (the Debian package ``chromium``, driven through
playwright) with their print styles, then joined with pypdf. Before a page is printed, each live map (a folium
iframe, which does not print) is drawn by the same browser and replaced by a PNG of itself, "about this indicator"
boxes are opened, and links to local files lose their target so that no machine path reaches the PDF. The header
(area name, pack date) and footer ("Page N of M") are printed by Chromium on a separate overlay and stamped on each
page, since page numbers run across the whole document. The browser's own header and footer (URL, date) are off.
Web requests are refused while printing: the PDF is the same with or without a network. One browser prints a
whole batch in a few reused tabs, several pages at once (playwright's async API), and PDFs are joined in a thread
meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from .errors import WorkbookError
from .fragments import render
from .pdf_join import join_topics, kept_pages, page_sizes, printed_from, write_pdf
from .periods import pack_date
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES

#: Print budgets in A4 pages (issue 14): what a reader is asked to print.
BUDGET = {"overview": 4}
TOPIC_BUDGET = 8
BROWSER_NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MAP_WIDTH_PX = 700  # about the width of the A4 text block at 96 dpi
#: A map's size (CSS pixels) when drawn for print: printed 8 cm high (the pack's print styles), its 11 px labels
#: and 12 px legend come out at 7.3 pt and 8 pt.
MAP_PRINT_PX = (560, 340)
#: Pages Chromium prints at once (tabs, each in its own context). On 2 cores printing is CPU-bound: two tabs keep
#: both cores busy; four are 5% faster but hold a third more memory (Kent's PDFs: 3.28 s an area and 3.0 GB with
#: four tabs, 3.44 s and 2.0 GB with two), which would take a whole England run past 3 GB.
PAGES_AT_ONCE = 2
LAUNCH_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
               "--disable-sync", "--no-first-run", "--disable-quic"]


class BrowserMissing(WorkbookError):
    """No Chromium (or playwright) to print PDFs with."""


@dataclass
class AreaPdf:
    """A written PDF and the number of A4 pages each topic took (title page not counted)."""

    path: Path
    pages: dict[str, int] = field(default_factory=dict)
    error: str | None = None  # why the PDF could not be written (one line), or None
    kept: bool = False  # already printed from the same pages: not printed again

    @property
    def total(self) -> int:
        return 1 + sum(self.pages.values())


def find_browser() -> str:
    """Path of the Chromium executable: ``NBUTILS_CHROMIUM`` if set, else the first on PATH.

    Raises
    ------
    BrowserMissing : when none is installed.
    """
    override = os.environ.get("NBUTILS_CHROMIUM")
    if override:
        if Path(override).is_file():
            return override
        raise BrowserMissing(f"NBUTILS_CHROMIUM names {override!r}, which is not a file; point it at a Chromium "
                             "executable or unset it")
    for name in BROWSER_NAMES:
        found = shutil.which(name)
        if found:
            return found
    raise BrowserMissing("no Chromium browser to print PDFs with: install the Debian package 'chromium' "
                         "(apt-get install chromium), or run without --pdf")


def budget(topic: str) -> int:
    """Most A4 pages a topic may print to."""
    return BUDGET.get(topic, TOPIC_BUDGET)


def write_area_pdfs(out_dir: Path, areas, topics: list[str] | None = None,
                    pages_at_once: int = PAGES_AT_ONCE, force: bool = False) -> list[AreaPdf]:
    """Write ``OUT/<code>-<slug>/<code>-<slug>.pdf`` for each area whose pages exist.

    One Chromium prints the whole batch, ``pages_at_once`` pages at a time (an area's topic pages side by side,
    and the next area's while one is being joined). A PDF that cannot be written is reported in
    :attr:`AreaPdf.error` and the other areas still get theirs. An area whose PDF was printed from its pages as
    they are now (the same topics, pages and maps) keeps it (:attr:`AreaPdf.kept`) unless ``force``. Returned in
    the order of ``areas``.

    Parameters
    ----------
    out_dir : the run's output folder (holding manifest.json and one folder per area).
    areas : :class:`nbutils.areas.Area` objects.
    topics : topics to include (default: every topic that succeeded), always in pack order.
    pages_at_once : pages Chromium prints concurrently.
    force : print every PDF again, even one already printed from the same pages.
    """
    out_dir = Path(out_dir).resolve()
    succeeded = _succeeded(out_dir)
    written, jobs = {}, []
    for area in areas:
        folder = out_dir / area.folder
        wanted = [t for t in _pack_order(topics or TOPIC_ORDER)
                  if (area.code, t) in succeeded and (folder / f"{t}.html").exists()]
        if not wanted:
            continue
        digest = printed_from(folder, wanted, render("pdf/nav_link", name=folder.name))
        path = folder / f"{folder.name}.pdf"
        kept = None if force else kept_pages(path, digest)
        if kept is not None and list(kept) == wanted:
            link_pdf(out_dir, folder)  # a page written again, byte for byte, has lost its link to the PDF
            written[area.code] = AreaPdf(path, kept, kept=True)
        else:
            jobs.append((area, folder, wanted, digest))
    if jobs:
        printed = _run_async(_print_batch(out_dir, jobs, max(1, pages_at_once)))
        written.update({job[0].code: pdf for job, pdf in zip(jobs, printed)})
    return [written[area.code] for area in areas if area.code in written]


def _run_async(coroutine):
    """Run a coroutine to its end from synchronous code, also where an event loop is already running (Jupyter)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with concurrent.futures.ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


async def _print_batch(out_dir: Path, jobs: list, pages_at_once: int) -> list[AreaPdf]:
    async with _browser() as browser:
        tabs = await Tabs.open(browser, pages_at_once)
        # A few areas in flight: enough to keep Chromium busy while one area's PDF is joined, few enough that
        # printed pages do not pile up in memory waiting for their area's title page.
        areas = asyncio.Semaphore(max(2, pages_at_once // 2))

        async def one(area, folder: Path, wanted: list[str], digest: str) -> AreaPdf:
            async with areas:
                try:
                    written = await area_pdf(tabs, folder, area.name, wanted, digest)
                except Exception as error:  # one area's failure (a page that would not load) spares the others
                    lines = str(error).strip().splitlines()
                    return AreaPdf(folder / f"{folder.name}.pdf",
                                   error=f"{type(error).__name__}: {lines[0] if lines else ''}")
                await asyncio.to_thread(link_pdf, out_dir, folder)
                return written

        return list(await asyncio.gather(*(one(*job) for job in jobs)))


class Tabs:
    """A fixed set of browser tabs, each taken in turn to print one page and handed back for the next.

    A tab of its own for each printed page would cost a new browser context and renderer process, about
    0.3 CPU-seconds, more than loading the page itself. Each tab keeps a context of its own all the same: tabs
    sharing one context share its window, and Chromium draws only one of them at a time, so their map pictures
    would wait on each other. Web requests are refused in every tab. A tab is replaced by a fresh one after
    :attr:`USES` pages, since a renderer's memory grows page after page, and at once if it fails, so that a page
    that will not load leaves no half-drawn state for the next.
    """

    #: Pages a tab prints before it is replaced: about two areas' worth, so that replacing costs little (3% of
    #: the time) and memory stays near that of the first pages (Chromium's grew from 3 to 5 GB over 42 areas).
    USES = 16

    def __init__(self, browser):
        self._browser = browser
        self._free: asyncio.Queue = asyncio.Queue()  # (tab, pages it has printed)

    @classmethod
    async def open(cls, browser, count: int) -> "Tabs":
        """``count`` tabs, sized so that a map drawn for print fits the A4 text block."""
        tabs = cls(browser)
        for _ in range(count):
            tabs._free.put_nowait((await tabs._new_tab(), 0))
        return tabs

    async def _new_tab(self):
        context = await self._browser.new_context(viewport={"width": MAP_WIDTH_PX + 60, "height": 1000},
                                                  device_scale_factor=2)
        await context.route(re.compile(r"^https?://"), lambda route: route.abort())
        return await context.new_page()

    async def _replace(self, tab):
        try:
            await tab.context.close()
            fresh = await self._new_tab()
        except Exception:  # the browser itself has gone: hand the old tab on, so that what waits fails, not hangs
            fresh = tab
        self._free.put_nowait((fresh, 0))

    async def run(self, job):
        """``await job(tab)`` on the next free tab (waiting for one), then free the tab again."""
        tab, uses = await self._free.get()
        try:
            result = await job(tab)
        except BaseException:
            await self._replace(tab)
            raise
        if uses + 1 >= self.USES:
            await self._replace(tab)
        else:
            self._free.put_nowait((tab, uses + 1))
        return result


def link_pdf(out_dir: Path, folder: Path) -> None:
    """Link a written PDF from its area's pages: the landing page (rewritten from the run record) and each topic
    page's navigation bar, so the PDF is one click from anywhere in the pack."""
    from .files import atomic_write_text
    from .site import load_runs, write_area

    try:
        manifest, _ = load_runs(out_dir)
    except (FileNotFoundError, json.JSONDecodeError):
        manifest = None
    if manifest is not None:
        write_area(out_dir, folder.name, manifest)
    link = render("pdf/nav_link", name=folder.name)
    for page in folder.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        if "nbu-nav-pdf" in text or '<a href="index.html">Pack contents</a>' not in text:
            continue
        atomic_write_text(page, text.replace('<a href="index.html">Pack contents</a>',
                                             f'<a href="index.html">Pack contents</a>\n{link}', 1))


async def area_pdf(tabs: Tabs, folder: Path, area_name: str, topics: list[str], digest: str) -> AreaPdf:
    """Print one area's topic pages (in the order given, concurrently) into ``folder/<folder name>.pdf``.

    ``tabs`` are the batch's browser tabs (:class:`Tabs`); they bound the pages printed at once across areas.
    ``digest`` (:func:`nbutils.pdf_join.printed_from`) is recorded in the PDF.
    """
    printed_bytes = await asyncio.gather(*(tabs.run(lambda tab, topic=topic: print_page(tab, folder / f"{topic}.html"))
                                           for topic in topics))
    when = pack_date()
    date_text = f"{when.day} {when:%B %Y}"
    counts, merged = await asyncio.to_thread(join_topics, topics, printed_bytes)
    title = await tabs.run(lambda tab: _print_html(tab, _title_html(area_name, date_text, counts)))
    sizes = await asyncio.to_thread(page_sizes, title, merged)
    overlay = await tabs.run(lambda tab: _print_html(tab, _overlay_html(area_name, date_text, sizes)))
    path = folder / f"{folder.name}.pdf"
    await asyncio.to_thread(write_pdf, path, area_name, date_text, title, merged, overlay, digest)
    return AreaPdf(path, counts)


async def print_page(tab, page_path: Path) -> bytes:
    """One pack page, printed in browser ``tab``, as PDF bytes: maps as images, "about" boxes open, no local link
    targets."""
    await tab.goto(page_path.as_uri(), wait_until="load")
    await _maps_to_images(tab)
    await tab.evaluate(PREPARE)
    return await tab.pdf(prefer_css_page_size=True, print_background=True, display_header_footer=False)


PREPARE = """() => {
  if (window.nbuPreparePrint) { window.nbuPreparePrint(); }
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('a[href]').forEach(a => {
    if (!/^https?:/.test(a.getAttribute('href'))) { a.removeAttribute('href'); }
  });
}"""


async def _maps_to_images(page) -> None:
    """Replace each folium iframe (and folium's 'trust this notebook' box around it) by a PNG of the drawn map."""
    for handle in await page.query_selector_all("iframe"):
        frame = await handle.content_frame()
        if frame is None:
            continue
        try:
            await frame.wait_for_selector("path.leaflet-interactive", state="attached", timeout=15_000)
        except Exception:  # a map with nothing to draw still prints as it looks
            pass
        # Zoom buttons mean nothing on paper; the scale bar, legend and attribution stay.
        await frame.add_style_tag(content=".leaflet-control-zoom{display:none}")
        # Drawn smaller than on screen and refitted to the area, so that printed at the page's map height
        # its labels and legend are 7 pt or more; labels that would overlap become numbers, listed under the map.
        # In view first: Chromium holds back animation frames in frames out of view, and the picture is taken there.
        await handle.scroll_into_view_if_needed()
        await handle.evaluate(f"f => {{ f.style.width = '{MAP_PRINT_PX[0]}px'; f.style.height = '{MAP_PRINT_PX[1]}px'; }}")
        await frame.evaluate(SETTLE)  # the frame's own resize handling (Leaflet re-centres) runs first
        try:
            key = await frame.evaluate(DECLUTTER)
        except Exception:  # a frame without Leaflet (nothing drawn) prints as it looks
            key = []
        # JPEG: a map is a photograph-like raster; a PNG of it would double the PDF that gets emailed.
        png = base64.b64encode(await handle.screenshot(type="jpeg", quality=72)).decode("ascii")
        await handle.evaluate("""(frame, [src, key]) => {
          const img = document.createElement('img');
          img.src = src;
          img.className = 'nbu-map-print';
          img.alt = frame.title || 'Map';
          img.style.width = '100%';
          const box = frame.closest('div[style*="padding-bottom"]');
          const outer = box && box.parentElement && box.parentElement.children.length === 1 ? box.parentElement
                        : box;
          const figure = document.createElement('div');
          figure.className = 'nbu-map-figure';
          figure.appendChild(img);
          if (key.length) {
            const list = document.createElement('p');
            list.className = 'nbu-note nbu-map-key';
            list.textContent = 'Numbered on the map: ' + key.map(([n, text]) => n + ' ' + text).join('; ') + '.';
            figure.appendChild(list);
          }
          (outer || frame).replaceWith(figure);
        }""", [f"data:image/jpeg;base64,{png}", key])


#: Run inside a map's frame just resized: resolves once two animation frames have been drawn (Leaflet handles a
#: resize on the next one), or after half a second at most.
SETTLE = """() => new Promise(done => {
  setTimeout(done, 500);
  requestAnimationFrame(() => requestAnimationFrame(done));
})"""

#: Run inside a map's frame before its picture is taken: refit the (now smaller) map to its shapes and markers,
#: then keep each permanent label that lies inside the map clear of the legend, the scale and the labels before it,
#: and replace the others by a number; returns [[number, label text], ...] for the key printed under the map.
DECLUTTER = """() => {
  const name = Object.keys(window).find(k => /^map_/.test(k) && window.L && window[k] instanceof L.Map);
  if (!name) { return []; }
  const map = window[name];
  map.invalidateSize({animate: false});
  let bounds = null;
  map.eachLayer(layer => {
    const part = layer instanceof L.GeoJSON ? layer.getBounds()
                 : (layer instanceof L.Marker || layer instanceof L.CircleMarker) ? L.latLngBounds([layer.getLatLng()])
                 : null;
    if (part && part.isValid()) { bounds = bounds ? bounds.extend(part) : L.latLngBounds(part.getSouthWest(), part.getNorthEast()); }
  });
  if (bounds) { map.fitBounds(bounds, {animate: false, padding: [12, 12]}); }
  const frame = map.getContainer().getBoundingClientRect();
  const kept = [], key = [];
  const overlaps = (a, b) => a.left < b.right + 2 && b.left < a.right + 2 && a.top < b.bottom + 1 && b.top < a.bottom + 1;
  document.querySelectorAll('.nbu-legend, .leaflet-control-scale, .leaflet-control-attribution')
    .forEach(control => kept.push(control.getBoundingClientRect()));
  document.querySelectorAll('.nbu-label > div').forEach(label => {
    label.style.display = 'inline-block';  // its box (and white background) then spans its text, to be measured
    const box = label.getBoundingClientRect();
    const inside = box.left >= frame.left && box.right <= frame.right && box.top >= frame.top
                   && box.bottom <= frame.bottom;
    if (inside && !kept.some(other => overlaps(box, other))) { kept.push(box); return; }
    key.push([key.length + 1, label.textContent.trim()]);
    label.textContent = String(key.length);
    kept.push(label.getBoundingClientRect());
  });
  return key;
}"""


async def _print_html(tab, markup: str) -> bytes:
    await tab.set_content(markup, wait_until="load")
    return await tab.pdf(prefer_css_page_size=True, print_background=False, display_header_footer=False)


def _title_html(area_name: str, date_text: str, counts: dict[str, int]) -> str:
    """The title page: area, pack date and contents with the page each topic starts on."""
    rows, start = [], 2
    for topic, pages in counts.items():
        rows.append((TOPIC_TITLES.get(topic, topic), start))
        start += pages
    return render("pdf/title", area_name=area_name, date_text=date_text, rows=rows)


def _overlay_html(area_name: str, date_text: str, sizes: list[tuple[float, float]]) -> str:
    """One transparent page per PDF page (same size), with the header and 'Page N of M' in the margins."""
    orientations = ["land" if width > height else "port" for width, height in sizes]
    return render("pdf/overlay", area_name=area_name, date_text=date_text, orientations=orientations)


def _pack_order(topics) -> list[str]:
    known = [t for t in TOPIC_ORDER if t in topics]
    return known + sorted(set(topics) - set(known))


def _succeeded(out_dir: Path) -> set[tuple[str, str]]:
    try:
        runs = json.loads((out_dir / "manifest.json").read_text()).get("runs", [])
    except (FileNotFoundError, json.JSONDecodeError):
        return set()
    return {(r["area_code"], r["topic"]) for r in runs if r.get("status") == "succeeded"}


class _browser:
    """Headless Chromium through playwright's async API, as an async context manager; a clear error when either
    is missing."""

    async def __aenter__(self):
        executable = find_browser()
        try:
            from playwright.async_api import async_playwright
        except ImportError as error:
            raise BrowserMissing("the Python package 'playwright' is needed to print PDFs: "
                                 "pip install playwright (the browser itself is the system's chromium)") from error
        self._playwright = await async_playwright().start()
        try:
            self._browser = await self._playwright.chromium.launch(executable_path=executable, args=LAUNCH_ARGS)
            return self._browser
        except Exception as error:
            await self._playwright.stop()
            first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
            raise BrowserMissing(f"Chromium at {executable} would not start ({first}); reinstall the 'chromium' "
                                 "package or run without --pdf") from error

    async def __aexit__(self, *exc):
        try:
            await self._browser.close()
        finally:
            await self._playwright.stop()
        return False
