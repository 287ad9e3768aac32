"""Every HTML fragment and page of the workbook, rendered from Jinja2 templates in ``nbutils/templates/``.

One environment, with autoescape on: every value a template prints is escaped unless it is marked as HTML with
:func:`html` (tables rendered by pandas, fragments rendered by another template, inline SVG), the one named way in.
Styles live in one file, ``templates/workbook.css``; a template inlines the sections it needs with
``stylesheet(...)`` (pages are emailed as single files, so nothing links to an external stylesheet).
"""

from __future__ import annotations

import functools
import re
from importlib import resources

import jinja2
import markupsafe

__all__ = ["render", "html", "stylesheet"]

#: A section of workbook.css starts at a line ``/* === section: <name> === */``.
_SECTION = re.compile(r"^/\* === section: ([\w-]+) === \*/$", flags=re.M)
_COMMENT = re.compile(r"[ \t]*/\*.*?\*/[ \t]*\n?", flags=re.S)


def _templates():
    return resources.files("nbutils").joinpath("templates")


@functools.lru_cache(maxsize=1)
def _sections() -> dict[str, str]:
    text = _templates().joinpath("workbook.css").read_text(encoding="utf-8")
    parts = _SECTION.split(text)  # [preamble, name, body, name, body, ...]
    # Comments are for whoever edits the stylesheet (they name modules); pages carry the rules only.
    return {name: _COMMENT.sub("", body).lstrip("\n") for name, body in zip(parts[1::2], parts[2::2])}


def stylesheet(*sections: str) -> markupsafe.Markup:
    """The rules of the named sections of ``workbook.css``, in the order given (CSS, marked safe to inline).

    Raises
    ------
    KeyError : a section the stylesheet does not have.
    """
    known = _sections()
    missing = [s for s in sections if s not in known]
    if missing:
        raise KeyError(f"workbook.css has no section {', '.join(missing)}; it has {', '.join(known)}")
    return markupsafe.Markup("".join(known[s] for s in sections))


def html(fragment: str) -> markupsafe.Markup:
    """Mark ``fragment`` as HTML built (and escaped) elsewhere in the workbook, so a template prints it as it is.

    The one place where text bypasses autoescape: pass only markup made by pandas' ``to_html(escape=True)``, by a
    template of this environment, or by a topic helper that escapes what it interpolates.
    """
    return markupsafe.Markup(fragment)


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    environment = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates())), autoescape=True,
                                     undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                                     keep_trailing_newline=False)
    environment.globals["stylesheet"] = stylesheet
    return environment


def render(template: str, **context) -> str:
    """Render ``templates/<template>.html.j2``; a name without a folder is a fragment of a page
    (``templates/fragments/<template>.html.j2``)."""
    name = template if "/" in template else f"fragments/{template}"
    return _environment().get_template(f"{name}.html.j2").render(**context)
