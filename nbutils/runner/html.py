"""HTML pages from executed notebooks, exported in the worker from the notebook in memory.

Code hidden, cells tagged ``remove-cell`` left out, no CDN scripts, the pack's topic navigation and a table of
contents (built by the template, cell by cell). The exporter (templates parsed, preprocessors registered) is
built once per worker process.
"""

from __future__ import annotations

import functools
from html.parser import HTMLParser
from pathlib import Path

from ..files import atomic_write_text
from ..fragments import stylesheet
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@functools.lru_cache(maxsize=1)
def _exporter_class():
    """nbconvert's HTML exporter without its last step, a BeautifulSoup parse of the finished page.

    That step gives an image with no alt text a placeholder ("No description has been provided") and makes every
    output a tab stop, then writes the whole page out again: about 40 ms a page, a twentieth of an area's time.
    A pack needs neither: every chart has alt text of its own, and the page's script makes tab stops of the
    outputs that scroll sideways only (``tests/test_browser.py`` checks both in Chromium). The rest is
    ``HTMLExporter.from_notebook_node`` as nbconvert has it: the same filters, then the template.
    """
    from nbconvert import HTMLExporter
    from nbconvert.exporters.templateexporter import TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class PackExporter(HTMLExporter):
        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            highlight_code = self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self))
            resources = self._init_resources(resources)
            filter_data_type = WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self,
                                                     resources=resources)
            self.register_filter("highlight_code", highlight_code)
            self.register_filter("filter_data_type", filter_data_type)
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return PackExporter


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert.preprocessors import TagRemovePreprocessor

    # Validated once after the preprocessors, not after each of them (nbconvert's default validates the whole
    # notebook about a dozen times a page, preprocessors that are switched off included).
    exporter = _exporter_class()(template_name="pack", extra_template_basedirs=[str(TEMPLATES)],
                                 exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                                 optimistic_validation=True)
    # Cells tagged 'remove-cell' (instructions for analysts) are left out of the pack.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True)
    exporter.register_filter("h2_headings", h2_headings)  # the template's contents list
    return exporter


class _Headings(HTMLParser):
    """The anchored h2 headings of an HTML fragment, as (anchor, text) in order; nbconvert's '¶' links left out."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str]] = []
        self._anchor: str | None = None
        self._text: list[str] = []
        self._in_link = 0

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "h2" and attributes.get("id"):
            self._anchor, self._text = attributes["id"], []
        elif tag == "a" and self._anchor is not None and "anchor-link" in (attributes.get("class") or ""):
            self._in_link += 1

    def handle_endtag(self, tag):
        if tag == "a" and self._in_link:
            self._in_link -= 1
        elif tag == "h2" and self._anchor is not None:
            self.found.append((self._anchor, "".join(self._text).replace("\u00b6", "").strip()))
            self._anchor = None

    def handle_data(self, data):
        if self._anchor is not None and not self._in_link:
            self._text.append(data)


def h2_headings(fragment: str) -> list[tuple[str, str]]:
    """The (anchor, text) of each h2 heading with an id in an HTML fragment: the pack template's contents list."""
    if "<h2" not in fragment.lower():  # most cells (tables, charts, text) hold none: not parsed
        return []
    parser = _Headings()
    parser.feed(fragment)
    parser.close()
    return parser.found


def render_html(notebook, title: str, nav: dict | None = None) -> str:
    """The page for an executed notebook (a notebook node, or a path to one)."""
    import nbformat

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(notebook, as_version=4)
    resources = {"metadata": {"name": title}, "nbutils_nav": nav, "nbutils_css": stylesheet("pack", "print")}
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return body


def export_html(notebook, html_path: Path, title: str, nav: dict | None = None) -> None:
    """Export an executed notebook (a path or a notebook node) to ``html_path``, written once, atomically."""
    atomic_write_text(html_path, render_html(notebook, title, nav))


def navigation(area_name: str, topic: str, notebooks: Path) -> dict:
    """The pack's topic navigation for one page: the topics that have a notebook, in reading order."""
    topics = [t for t in TOPIC_ORDER if (notebooks / f"{t}.ipynb").exists()]
    return {"area_name": area_name,
            "topics": [{"title": TOPIC_TITLES.get(t, t), "href": f"{t}.html", "current": t == topic} for t in topics]}
