"""HTML fragments of a page rendered from Jinja2 templates in ``nbutils/templates/fragments/``.

Pages are built from templates rather than f-strings so that markup, escaping and print styles live in one place.
"""

from __future__ import annotations

import functools
from importlib import resources

import jinja2

__all__ = ["render"]


@functools.lru_cache(maxsize=1)
def _environment() -> jinja2.Environment:
    folder = resources.files("nbutils").joinpath("templates", "fragments")
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=False,
                              undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                              keep_trailing_newline=False)


def render(template: str, **context) -> str:
    """Render ``templates/fragments/<template>.html.j2`` (values are escaped in the templates with ``| e``)."""
    return _environment().get_template(f"{template}.html.j2").render(**context)
