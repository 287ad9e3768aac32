"""Shared fixtures. Tests run against the real embedded data in data/raw/ (never ../shared)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def store_ready():
    """The tidy store, built once for the session."""
    from nbutils import store

    return store.build()


@pytest.fixture()
def project_copy(tmp_path):
    """A throwaway project folder (NBUTILS_HOME) sharing the real notebooks and parameters, with its own data copy.

    Lets a test break data or parameters without touching the checkout.
    """
    home = tmp_path / "project"
    (home / "data").mkdir(parents=True)
    shutil.copytree(ROOT / "data" / "raw", home / "data" / "raw")
    shutil.copy(ROOT / "data" / "manifest.json", home / "data" / "manifest.json")
    # The authority's own data are part of a project: without them a run sharing the session's store would
    # rebuild that store without its local table.
    if (ROOT / "data" / "local").exists():
        shutil.copytree(ROOT / "data" / "local", home / "data" / "local")
    shutil.copytree(ROOT / "notebooks", home / "notebooks", ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    shutil.copytree(ROOT / "parameters", home / "parameters")
    return home


def run_cli(*args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
    """Run the nbutils command line in a subprocess, as a user would."""
    full_env = {**os.environ, **(env or {})}
    return subprocess.run([sys.executable, "-m", "nbutils.cli", *args], capture_output=True, text=True,
                          env=full_env, timeout=timeout)


def write_notebook(path: Path, *sources: str, parameters: bool = True) -> Path:
    """Write a small fixture notebook (a papermill parameters cell, then one code cell per source) to ``path``."""
    import nbformat

    nb = nbformat.v4.new_notebook()
    if parameters:
        nb.cells.append(nbformat.v4.new_code_cell('area_code = "E07000113"\noutput_dir = None',
                                                  metadata={"tags": ["parameters"]}))
    nb.cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path

