"""Notebook parameters given on the command line (``nbutils run Swale -p mothers_pct 25``, as papermill's ``-p``).

The command line checks each name against the parameters cells of the notebooks it runs and hands the values to
the runner's workers in the environment (``NBUTILS_RUN_PARAMETERS``, JSON), which they inherit; each notebook gets
them injected by papermill beside ``area_code`` and ``output_dir``, and they are part of every task's fingerprint
(so a rerun with other values is not skipped). Values are read as papermill reads them: ``None``, ``True``/
``False``, an integer, a number, else text.
"""

from __future__ import annotations

import ast
import json
import os
from pathlib import Path

from .errors import WorkbookError

ENVIRONMENT = "NBUTILS_RUN_PARAMETERS"
#: Set by the runner itself for every notebook.
RESERVED = ("area_code", "output_dir")


def parse_value(text: str):
    """'25' -> 25, '2.5' -> 2.5, 'None' -> None, 'true' -> True; anything else stays text."""
    lowered = text.strip().lower()
    if lowered in ("none", "null"):
        return None
    if lowered in ("true", "false"):
        return lowered == "true"
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def declared(notebook: Path) -> list[str]:
    """The names a notebook's cell tagged ``parameters`` assigns, in order."""
    import nbformat

    cells = nbformat.read(notebook, as_version=4).cells
    names: list[str] = []
    for cell in cells:
        if cell.cell_type == "code" and "parameters" in cell.metadata.get("tags", []):
            for node in ast.parse(cell.source).body:
                if isinstance(node, (ast.Assign, ast.AnnAssign)):
                    targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                    names += [t.id for t in targets if isinstance(t, ast.Name)]
    return names


def checked(pairs: list[list[str]] | None, notebooks: list[Path]) -> dict:
    """``-p name value`` pairs as a mapping, each name one that a notebook run declares (else a one-line error)."""
    values = {}
    if not pairs:
        return values
    known = {name: path.stem for path in notebooks for name in declared(path)}
    for name, text in pairs or []:
        if name in RESERVED:
            raise WorkbookError(f"-p {name}: set by the runner for each area; name the area as TARGET instead")
        if name not in known:
            offered = sorted(set(known) - set(RESERVED))
            topics = ", ".join(p.stem for p in notebooks)
            raise WorkbookError(f"-p {name}: not a parameter of {topics}; parameters: {', '.join(offered) or 'none'}")
        values[name] = parse_value(text)
    return values


def export(values: dict) -> None:
    """Hand the values to the runner's workers (this process's environment, which they inherit)."""
    if values:
        os.environ[ENVIRONMENT] = json.dumps(values, sort_keys=True)
    else:
        os.environ.pop(ENVIRONMENT, None)


def current() -> dict:
    """The values given for this run (none: {})."""
    text = os.environ.get(ENVIRONMENT)
    return json.loads(text) if text else {}


def fingerprint() -> str:
    """The values as canonical text, part of each task's fingerprint ('' when none were given)."""
    values = current()
    return json.dumps(values, sort_keys=True) if values else ""


def for_notebook(notebook: Path) -> dict:
    """The values given for this run that ``notebook`` declares (another topic's settings are left out)."""
    values = current()
    return {k: v for k, v in values.items() if k in declared(notebook)} if values else {}
