"""One PDF per area: a title page with contents, then the overview and the topics in pack order, A4, numbered.

The pack's own HTML pages are printed by headless Chromium (driven through playwright) with their print styles, then
joined with pypdf. Chromium's headless shell (the Debian package ``chromium-headless-shell``) is used when it is
installed, else the browser itself (``chromium``): the shell is the same engine printing the same PDFs with a much
lighter browser process around it (Kent's 14 PDFs in 1.4 s an area instead of 2.1). Live maps (folium pages in
iframes) are not loaded: each is replaced by the same map drawn for print from the description it carries
(:mod:`nbutils.map_print`, as vectors, drawn in a thread of this process while the page loads). "About this
indicator" boxes are opened, and links to local files lose their target so that no machine path reaches the PDF. The
header (area name, pack date) and footer ("Page N of M") are printed by Chromium on a separate overlay and stamped
on each page, since page numbers run across the whole document. The browser's own header and footer (URL, date) are
off. Web requests are refused while printing: the PDF is the same with or without a network. One browser prints a
whole batch in a few reused tabs, several pages at once (playwright's async API), and PDFs are joined in a thread
meanwhile.
"""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import html
import json
import os
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from . import map_print
from .errors import WorkbookError
from .fragments import render
from .pdf_join import join_topics, kept_pages, page_sizes, printed_from, write_pdf
from .periods import pack_date
from .topics_meta import TOPIC_ORDER, TOPIC_TITLES

#: Print budgets in A4 pages (issue 14): what a reader is asked to print.
BUDGET = {"overview": 4}
TOPIC_BUDGET = 8
#: Executables looked for on PATH, best first: the headless shell prints the same pages as the browser, sooner.
BROWSER_NAMES = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
#: A tab's window (CSS pixels): about an A4 text block wide. Pages are laid out for paper by their print styles.
VIEWPORT = {"width": 760, "height": 1000}
#: A page's maps in the order they appear: the iframes the pack's pages frame a map in (``report/map``), and the
#: map page each frames (none for a map held in the frame itself).
MAP_FRAME = re.compile(r"""<iframe\b[^>]*\bclass=["']nbu-map["'][^>]*>""")
MAP_SOURCE = re.compile(r"""\ssrc=["']([^"']+)["']""")
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
    """Path of the Chromium executable: ``NBUTILS_CHROMIUM`` if set, else the first of :data:`BROWSER_NAMES` on
    PATH.

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
    raise BrowserMissing("no Chromium browser to print PDFs with: install the Debian package "
                         "'chromium-headless-shell' (apt-get install chromium-headless-shell; 'chromium' works "
                         "too), or run without --pdf")


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

    #: Pages a tab prints before it is replaced: about four areas' worth. A fresh tab costs a renderer process and
    #: its first pages are slower: replaced after 16 pages, 16 areas printed in 2.1-2.3 s an area, after 32 in
    #: 1.9 s (peak memory 2.3 and 2.5 GB). Replacing at all keeps memory near that of the first pages: Chromium's
    #: grew from 3 to 5 GB over 42 areas when tabs were never replaced (and maps were drawn in them).
    USES = 32

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
        context = await self._browser.new_context(viewport=VIEWPORT)
        await context.route(re.compile(r"^https?://"), lambda route: route.abort())
        await context.route(re.compile(r"^file:.*\.html$"), _no_map_frames)
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
    """One pack page, printed in browser ``tab``, as PDF bytes: maps drawn for print, "about" boxes open, no local
    link targets."""
    maps = asyncio.create_task(asyncio.to_thread(draw_maps, page_path))  # drawn while the page loads
    try:
        await tab.goto(page_path.as_uri(), wait_until="load")
    finally:
        drawn = await maps
    await tab.evaluate(PLACE_MAPS, [_map_figure(printed) for printed in drawn])
    await tab.evaluate(PREPARE)
    return await tab.pdf(prefer_css_page_size=True, print_background=True, display_header_footer=False)


async def _no_map_frames(route) -> None:
    """Answer a page's map frames with an empty page (their maps are drawn for print instead); load the rest."""
    request = route.request
    try:
        in_a_frame = request.is_navigation_request() and request.frame.parent_frame is not None
    except Exception:  # a frame already gone: nothing will show what it loads
        in_a_frame = False
    if in_a_frame:
        await route.fulfill(body="<!doctype html><title>map</title>", content_type="text/html")
    else:
        await route.continue_()


def draw_maps(page_path: Path) -> list:
    """Each map of a page drawn for print (:class:`nbutils.map_print.PrintedMap`), in page order; None for a map
    with no description for print (one held in the page itself, or written by an older version)."""
    drawn = []
    for frame in MAP_FRAME.findall(page_path.read_text(encoding="utf-8")):
        source = MAP_SOURCE.search(frame)
        path = page_path.parent / html.unescape(source.group(1)) if source else None
        spec = map_print.read_spec(path.read_text(encoding="utf-8")) if path and path.is_file() else None
        drawn.append(map_print.draw(spec) if spec else None)
    return drawn


def _map_figure(printed) -> dict | None:
    if printed is None:
        return None
    key = "; ".join(f"{number} {text}" for number, text in printed.key)
    return {"src": "data:image/svg+xml;base64," + base64.b64encode(printed.svg.encode()).decode("ascii"),
            "key": f"Numbered on the map: {key}." if key else ""}


#: Replaces each map frame of the page by its picture for print (and the list of labels shown as numbers), or by
#: a line saying the map is on the web page only.
PLACE_MAPS = """(maps) => {
  document.querySelectorAll('iframe.nbu-map').forEach((frame, i) => {
    const drawn = maps[i];
    const figure = document.createElement('div');
    figure.className = 'nbu-map-figure';
    if (drawn) {
      const img = document.createElement('img');
      img.src = drawn.src;
      img.className = 'nbu-map-print';
      img.alt = (frame.title || 'Map').replace(/^Interactive map: /, 'Map: ');
      figure.appendChild(img);
    }
    if (!drawn || drawn.key) {
      const note = document.createElement('p');
      note.className = 'nbu-note nbu-map-key';
      note.textContent = drawn ? drawn.key : 'This map is on the web page only.';
      figure.appendChild(note);
    }
    frame.replaceWith(figure);
  });
}"""


PREPARE = """() => {
  if (window.nbuPreparePrint) { window.nbuPreparePrint(); }
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  document.querySelectorAll('a[href]').forEach(a => {
    if (!/^https?:/.test(a.getAttribute('href'))) { a.removeAttribute('href'); }
  });
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
            raise BrowserMissing(f"Chromium at {executable} would not start ({first}); reinstall its package "
                                 "('chromium-headless-shell' or 'chromium') or run without --pdf") from error

    async def __aexit__(self, *exc):
        try:
            await self._browser.close()
        finally:
            await self._playwright.stop()
        return False
