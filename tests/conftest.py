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



# ------------------------------------------------------------------------------------------------- test lanes
# `make test-fast` sets NBUTILS_TEST_LANE=fast and deselects the store, kernel and slow markers. A test in that lane
# that reaches for the store or starts a kernel anyway fails at once, naming the marker it needs, so the fast lane
# stays fast without anyone timing it.
FAST_LANE = os.environ.get("NBUTILS_TEST_LANE") == "fast"
STORE_FIXTURES = {"store_ready", "project_copy"}
# Tests that read the store without asking for a fixture (a whole module, or named tests of a mixed module). The
# fast lane's guard finds any that are missing here.
STORE_TESTS = {
    "test_upper_tier.py": None,
    "test_topic_housing.py": None,
    "test_topic_nutrition.py": None,
    "test_topic_sudi.py": None,
    "test_analyst.py": {"test_missing_2016_18_is_none_when_the_area_has_a_rate",
                        "test_pack_helpers_say_nothing_when_a_topic_helper_has_nothing_to_say",
                        "test_pack_save_writes_every_table_and_map",
                        "test_pack_with_output_dir_writes_at_once_and_frames_the_map_file",
                        "test_pack_without_output_dir_writes_nothing_and_keeps_tables_and_maps",
                        "test_scale_of_need_section_without_births_says_why"},
    "test_tables.py": {"test_pack_table_csv_only_gives_a_one_line_pointer",
                       "test_pack_table_with_spec_applies_the_disclosure_rule",
                       "test_pack_table_with_spec_shows_text_and_keeps_numbers_in_csv"},
    "test_faults_recovery.py": {"test_an_invalid_record_is_named_and_rebuilt_from_the_folders"},
    # a subprocess that builds the store before it looks for the browser
    "test_pdf.py": {"test_pdf_without_a_browser_is_one_line_and_exit_2"},
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        module = Path(str(item.fspath)).name
        named = STORE_TESTS.get(module, set())
        if STORE_FIXTURES & set(getattr(item, "fixturenames", ())) or module in STORE_TESTS and (
                named is None or item.originalname in named):
            item.add_marker(pytest.mark.store)


def _refuse(what: str, marker: str):
    def refuse(*args, **kwargs):
        pytest.fail(f"this test {what} but runs in the fast lane: mark it @pytest.mark.{marker}", pytrace=False)
    return refuse


@pytest.fixture(autouse=True)
def _fast_lane_guard(monkeypatch):
    if FAST_LANE:
        from jupyter_client import KernelManager

        from nbutils import store_state

        monkeypatch.setattr(store_state, "current_store", _refuse("needs the data store", "store"))
        monkeypatch.setattr(KernelManager, "start_kernel", _refuse("starts a kernel", "kernel"))
    yield


# ------------------------------------------------------------------------------------------------- the browser
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's package, driven by playwright), for the slow browser tests; CI must have it."""
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run", "--disable-quic"],
        )
        yield browser
        browser.close()
