"""HTML pages from executed notebooks, exported in the worker from the notebook in memory.

Code hidden, cells tagged ``remove-cell`` left out, no CDN scripts, the pack's topic navigation and a table of
contents. The exporter (templates parsed, preprocessors registered) is built once per worker process.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path

from ..files import atomic_write_text
from ..topics_meta import TOPIC_ORDER, TOPIC_TITLES

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"


@functools.lru_cache(maxsize=1)
def _exporter():
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="pack", extra_template_basedirs=[str(TEMPLATES)],
                            exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True)
    # Cells tagged 'remove-cell' (instructions for analysts) are left out of the pack.
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"remove-cell"}, enabled=True), enabled=True)
    return exporter


def table_of_contents(body: str) -> str:
    """Insert a contents list built from the page's h2 headings after the first header block."""
    headings = re.findall(r'<h2 id="([^"]+)"[^>]*>(.*?)</h2>', body, flags=re.S)
    if not headings:
        return body
    items = "".join(
        f'<li><a href="#{anchor}">{re.sub(r"<[^>]+>|¶", "", text).strip()}</a></li>' for anchor, text in headings
    )
    nav = (
        '<nav class="nbu-toc" aria-label="Contents"><h2 class="nbu-toc-title">Contents</h2>'
        f"<ol>{items}</ol></nav>"
    )
    # Right after the key-messages box if there is one, else at the top of the main content.
    messages = re.search(r"<div class=[\"']nbu-messages[\"'].*?</div>", body, flags=re.S)
    if messages:
        return body[: messages.end()] + nav + body[messages.end():]
    return body.replace("<main>", "<main>" + nav, 1)


def render_html(notebook, title: str, nav: dict | None = None) -> str:
    """The page for an executed notebook (a notebook node, or a path to one)."""
    import nbformat

    if not isinstance(notebook, nbformat.NotebookNode):
        notebook = nbformat.read(notebook, as_version=4)
    resources = {"metadata": {"name": title}, "nbutils_nav": nav}
    body, _ = _exporter().from_notebook_node(notebook, resources=resources)
    return table_of_contents(body)


def export_html(notebook, html_path: Path, title: str, nav: dict | None = None) -> None:
    """Export an executed notebook (a path or a notebook node) to ``html_path``, written once, atomically."""
    atomic_write_text(html_path, render_html(notebook, title, nav))


def navigation(area_name: str, topic: str, notebooks: Path) -> dict:
    """The pack's topic navigation for one page: the topics that have a notebook, in reading order."""
    topics = [t for t in TOPIC_ORDER if (notebooks / f"{t}.ipynb").exists()]
    return {"area_name": area_name,
            "topics": [{"title": TOPIC_TITLES.get(t, t), "href": f"{t}.html", "current": t == topic} for t in topics]}
