"""The analyst's notebook: nothing written unless asked, an Explore section in every notebook, one-line access to
any indicator, and one comparison-kind classifier / fetched-manifest reader / code fingerprint."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import folium
import nbformat
import numpy as np
import pandas as pd
import pytest

from nbutils import explore, report

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def _files(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*") if p.is_file()}


@pytest.fixture()
def page(tmp_path, monkeypatch):
    """A Pack with no output folder (as in JupyterLab), its displayed HTML collected; cwd is an empty folder."""
    shown = []
    monkeypatch.setattr(report, "display", lambda obj: shown.append(obj.data))
    monkeypatch.chdir(tmp_path)
    return report.Pack("E07000113", "fixture"), shown


# ---------------------------------------------------------------------------------- nothing written unless asked
def test_pack_without_output_dir_writes_nothing_and_keeps_tables_and_maps(page, tmp_path):
    pack, shown = page
    frame = pd.DataFrame({"area_name": ["Swale", "Kent"], "value": [23.9, np.nan]})  # a fixture table
    pack.table(frame, "fixture_table", "Fixture table")
    fmap = folium.Map(location=[51.34, 0.73], zoom_start=10, tiles=None)
    assert pack.map(fmap, "fixture_map", "Fixture map", "A fixture map of Swale.") is None
    assert list(tmp_path.rglob("*")) == [] and pack.exported == []
    kept = pack.tables["fixture_table"]  # analysis-ready: numeric, NaN where missing, the reason beside it
    assert kept.value.dtype == float and kept.value.iloc[0] == 23.9 and np.isnan(kept.value.iloc[1])
    assert kept.value_note.tolist() == ["", "[x] not available: not published in the source held here"]
    assert "<td>[x]</td>" in shown[0]
    assert "srcdoc=" in shown[-1] and "src='fixture/" not in shown[-1] and "&lt;title&gt;Fixture map: Swale" in shown[-1]
    assert "pack.save(folder)" in shown[0] and "<a href" not in shown[0]


def test_pack_save_writes_every_table_and_map(page, tmp_path):
    pack, _ = page
    pack.table(pd.DataFrame({"area_name": ["Swale"], "value": [23.9]}), "fixture_table", "Fixture table")
    pack.map(folium.Map(location=[51.34, 0.73], tiles=None), "fixture_map", "Fixture map", "A fixture map.")
    written = pack.save(tmp_path / "saved")
    assert sorted(p.name for p in written) == ["fixture_map.html", "fixture_table.csv"]
    assert pd.read_csv(tmp_path / "saved" / "fixture" / "fixture_table.csv").value.iloc[0] == 23.9
    assert "<title>Fixture map: Swale</title>" in (tmp_path / "saved" / "fixture" / "fixture_map.html").read_text()


def test_pack_with_output_dir_writes_at_once_and_frames_the_map_file(tmp_path, monkeypatch):
    shown = []
    monkeypatch.setattr(report, "display", lambda obj: shown.append(obj.data))
    pack = report.Pack("E07000113", "fixture", tmp_path)
    pack.table(pd.DataFrame({"area_name": ["Swale"], "value": [23.9]}), "fixture_table", "Fixture table")
    path = pack.map(folium.Map(location=[51.34, 0.73], tiles=None), "fixture_map", "Fixture map", "A fixture map.")
    assert path == tmp_path / "fixture" / "fixture_map.html" and path.exists()
    assert (tmp_path / "fixture" / "fixture_table.csv").exists()
    assert "href='fixture/fixture_table.csv' download" in shown[0]
    assert "src='fixture/fixture_map.html'" in shown[-1] and "srcdoc" not in shown[-1]


def test_notebook_run_with_defaults_writes_no_file(project_copy, tmp_path, store_ready):
    """papermill, output_dir unset, as an analyst's kernel: nothing new in the project copy or the cwd."""
    home = project_copy
    shutil.copy(ROOT / "data" / "sources.yaml", home / "data" / "sources.yaml")
    env = {**os.environ, "NBUTILS_HOME": str(home), "PYTHONPATH": str(ROOT)}
    env.pop("NBUTILS_STORE", None)
    # The copy's own store, built before the snapshot (a first run builds it; that is the data, not an output).
    subprocess.run([sys.executable, "-c", "from nbutils import store; store.build()"], env=env, check=True,
                   timeout=300)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    before_home, executed = _files(home), tmp_path / "executed.ipynb"
    code = ("import papermill as pm, sys; pm.execute_notebook(sys.argv[1], sys.argv[2], kernel_name='python3', "
            "progress_bar=False, cwd='.')")
    subprocess.run([sys.executable, "-c", code, str(home / "notebooks" / "nutrition.ipynb"), str(executed)],
                   env=env, cwd=cwd, check=True, timeout=600)
    assert _files(home) == before_home
    assert list(cwd.iterdir()) == []
    nb = nbformat.read(executed, as_version=4)
    html = "".join(o.get("data", {}).get("text/html", "") for c in nb.cells if c.cell_type == "code"
                   for o in c.outputs)
    assert "srcdoc=" in html  # the maternity-units map shown inline with no file behind it
    assert "pack.save(folder)" in html


# ---------------------------------------------------------------------------------- explore
def test_explore_indicator_gives_the_area_its_comparators_and_the_comparison(store_ready):
    latest = explore.indicator("ncmp_year6_obesity", "Swale", latest=True)  # the tidy view names levels
    swale = latest[latest.level == "district"].iloc[0]
    assert (swale.period, swale.value, swale.compared_with_england) == ("2024/25", 23.9, "Similar")
    assert latest[latest.level == "England"].value.iloc[0] == 22.2
    kent = explore.indicator("breastfeeding_6_8_weeks", "Kent", full=True)
    assert kent[(kent.role == "area") & (kent.period == "2023/24")].value.iloc[0] == pytest.approx(50.96)


def test_explore_indicator_keeps_every_published_category(store_ready):
    groups = explore.indicator("census_ethnic_group", "Swale", full=True)  # published by category only
    bangladeshi = groups[groups.category == "Asian, Asian British or Asian Welsh: Bangladeshi"]
    assert list(bangladeshi.role) == ["area", "county", "region", "england"]
    assert bangladeshi[bangladeshi.role == "area"]["count"].iloc[0] == 406


def test_explore_catalogue_lists_every_indicator_id():
    table = explore.catalogue()
    assert table.indicator_id.is_unique and "breastfeeding_6_8_weeks" in set(table.indicator_id)
    assert set(explore.catalogue("smoking").topic) == {"smoking"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_notebook_opens_with_explore_and_closes_with_the_catalogue(path):
    cells = nbformat.read(path, as_version=4).cells
    params = next(i for i, c in enumerate(cells) if "parameters" in c.metadata.get("tags", []))
    heading, example, closing = cells[params + 1], cells[params + 2], cells[-1]
    assert heading.cell_type == "markdown" and heading.source.startswith("## Explore")
    assert example.cell_type == "code" and "explore.indicator(" in example.source
    assert closing.cell_type == "markdown" and "nbutils/catalog.yaml" in closing.source
    assert "nbutils data status" in closing.source
    for cell in (heading, example, closing):  # left out of the circulated page
        assert "remove-cell" in cell.metadata.get("tags", [])
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in cells if c.cell_type == "code")


# ---------------------------------------------------------------------------------- a cell is one step
def test_pack_helpers_say_nothing_when_a_topic_helper_has_nothing_to_say(page):
    pack, shown = page
    pack.missing("Fixture indicator", "Fixture source", None)
    pack.note(None, "", "One fixture note.")
    assert shown == ["<p class='nbu-note'>One fixture note.</p>"]
    pack.table(pd.DataFrame({"value": []}), "fixture_empty", "Empty", if_empty="No fixture figures supplied.")
    assert shown[-1] == "<p class='nbu-note'>No fixture figures supplied.</p>" and "fixture_empty" not in pack.tables


def test_scale_of_need_section_without_births_says_why(page):
    pack, shown = page
    pack.scale_of_need(None, births_given=False)
    assert len(shown) == 1 and "Not available: Births for Swale" in shown[0]


def test_missing_2016_18_is_none_when_the_area_has_a_rate():
    frame = pd.DataFrame({"role": ["area", "england"], "value": [4.1, 3.9]})  # fixture rows
    from nbutils.areas import resolve
    from nbutils.topics import smoking, sudi

    assert sudi.missing_2016_18(resolve("Swale"), frame) is None
    assert smoking.satod_missing(frame) is None
    assert "No county or unitary figure" in smoking.satod_missing(frame[frame.role == "england"])
    assert sudi.dropped_note([]) is None and "2020-22" in sudi.dropped_note(["2020-22"])


# ---------------------------------------------------------------------------------- one of each
@pytest.mark.parametrize("label, kind", [("Worse than England", "worse"), ("Better than England (99.8%)", "better"),
                                         ("Similar", "similar"), ("Higher than England", "higher"),
                                         ("lower than England", "lower"), ("Not tested", "not_compared"),
                                         ("No value", "not_compared"), (None, "not_compared"),
                                         (float("nan"), "not_compared")])
def test_one_comparison_kind_classifier_serves_charts_messages_and_rag(label, kind):
    from nbutils import stats
    from nbutils.topics import dashboard_rules

    assert stats.comparison_kind(label) == kind
    rating = dashboard_rules.rag_rating(label).rating
    assert rating == {"worse": "Red", "better": "Green", "similar": "Amber"}.get(kind, "Grey")


def test_no_second_comparison_classifier_in_the_package():
    import ast

    defined = {(path.relative_to(ROOT).as_posix(), node.name) for path in (ROOT / "nbutils").rglob("*.py")
               for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
               if isinstance(node, ast.FunctionDef) and node.name in {"comparison_kind", "_kind", "_label_kind"}}
    assert defined == {("nbutils/stats/comparison.py", "comparison_kind")}


def test_one_fetched_manifest_reader(tmp_path, monkeypatch):
    from nbutils import fetch
    from nbutils.sources import fetched_manifest

    monkeypatch.setenv("NBUTILS_HOME", str(tmp_path))
    assert fetch.load_fetched_manifest is fetched_manifest.load
    assert fetched_manifest.load() == {"indicators": {}}  # nothing fetched
    fetched_manifest.path().parent.mkdir(parents=True)
    fetched_manifest.path().write_text("[1, 2", encoding="utf-8")  # a corrupt fixture manifest
    assert fetched_manifest.load() == {"indicators": {}}
    fetched_manifest.path().write_text('{"indicators": {"satod": {"fetched_at": "2026-01-02T03:04:05"}}}')
    assert fetch.fetched_info("satod")["fetched_at"] == "2026-01-02T03:04:05"


def test_one_code_fingerprint(tmp_path):
    from nbutils import fingerprint, runner

    assert runner.package_fingerprint() == fingerprint.package_fingerprint()
    one, two = tmp_path / "a.py", tmp_path / "b.py"
    one.write_text("x = 1\n")
    two.write_text("y = 2\n")
    before = fingerprint.code_sha256([two, one], tmp_path)
    assert before == fingerprint.code_sha256([one, two], tmp_path)  # order given does not matter
    two.write_text("y = 3\n")
    assert fingerprint.code_sha256([one, two], tmp_path) != before


# ---------------------------------------------------------------------------------- explore: never silently empty
def _held_ids() -> list[str]:
    from nbutils import catalog, store
    from nbutils.errors import UnknownIndicatorError

    held = []
    for indicator_id in catalog.catalogue():
        try:
            store.indicator_data(indicator_id, area_codes=[])
            held.append(indicator_id)
        except UnknownIndicatorError:
            pass
    return held


@pytest.mark.parametrize("area, kind", [("Swale", "district"), ("E10000016", "county"), ("Medway", "unitary authority")])
def test_explore_answers_every_catalogue_indicator_for_the_area_or_names_the_level_that_does(area, kind, store_ready):
    from nbutils import catalog
    from nbutils.errors import UnknownIndicatorError

    held = _held_ids()
    assert len(held) >= 40
    for indicator_id in catalog.catalogue():
        if indicator_id not in held:  # fetched live only: one line saying how to fetch it, never an empty frame
            with pytest.raises(UnknownIndicatorError, match=f"nbutils data fetch --indicators {indicator_id}"):
                explore.indicator(indicator_id, area)
            continue
        for latest in (False, True):
            frame = explore.indicator(indicator_id, area, latest=latest)
            answered = frame.attrs["answered_at"]
            level = {"area": kind, "districts": "district", "county": "county", "region": "region",
                     "england": "England"}.get(answered, "LSOA")
            rows = frame[(frame.level == level) & frame.value.notna()]
            assert len(rows), (indicator_id, area, latest)
            if answered != "area":
                assert frame.attrs["note"].startswith(("Not published for", "Published for neighbourhoods")), indicator_id
            if latest:
                assert rows.period.nunique() == 1


def test_explore_falls_back_to_the_county_for_a_district_and_the_districts_for_a_county(store_ready):
    swale = explore.indicator("breastfeeding_6_8_weeks", "Swale", latest=True)
    assert swale.attrs["answered_at"] == "county" and "Kent (county)" in swale.attrs["note"]
    kent = swale[swale.level == "county"]
    assert (kent.area_name.iloc[0], kent.period.iloc[0]) == ("Kent", "2023/24")
    assert kent.value.iloc[0] == pytest.approx(50.96)
    smoking = explore.indicator("aps_adult_smoking", "Kent", latest=True)
    assert smoking.attrs["answered_at"] == "districts"
    assert {"Swale", "Dover"} <= set(smoking[smoking.level == "district"].area_name)
    assert smoking[smoking.level == "district"].area_name.nunique() == 12


def test_explore_tidy_view_pivots_and_the_full_frame_is_a_keyword_away(store_ready):
    tidy = explore.indicator("ncmp_year6_obesity", "Swale")
    assert list(tidy.columns) == explore.TIDY_COLUMNS
    wide = tidy.pivot(index="period", columns="area_name", values="value")
    assert wide.loc["2024/25", "Swale"] == 23.9 and wide.loc["2024/25", "England"] == 22.2
    full = explore.indicator("ncmp_year6_obesity", "Swale", full=True)
    assert {"count", "denominator", "comparison_method", "value_note", "role"} <= set(full.columns)
    # categories only when asked; a category by name
    quintiles = explore.indicator("msds_booking_deprivation_decile", "Swale", categories=True)
    assert quintiles.category.nunique() == 10
    groups = explore.indicator("census_ethnic_group", "Swale", categories="White: Irish")
    assert set(groups.category) == {"White: Irish"}


def test_explore_unknown_id_says_did_you_mean_in_one_line_and_no_traceback_in_a_notebook():
    from nbutils.errors import UnknownIndicatorError

    with pytest.raises(UnknownIndicatorError) as error:
        explore.indicator("breastfeeding_6_8_week", "Swale")
    assert str(error.value).startswith("'breastfeeding_6_8_week' is not an indicator id: did you mean "
                                       "breastfeeding_6_8_weeks")
    assert "\n" not in str(error.value) and "aps_adult_smoking" not in str(error.value)  # not all 53 ids
    # IPython renders a user error through _render_traceback_: the one line, no frames of package source
    assert error.value._render_traceback_() == [f"UnknownIndicatorError: {error.value}"]


# ---------------------------------------------------------------------------------- notebooks safe from autosave
KERNEL_SPECIFIC_CELL_KEYS = {"execution", "ExecuteTime", "papermill", "jupyter", "collapsed", "scrolled"}


def _makefile_extra_keys() -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    return " ".join(text.split("NB_EXTRA_KEYS :=", 1)[1].splitlines()[0].split())


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_notebooks_carry_no_outputs_counts_or_kernel_metadata(path):
    nb = nbformat.read(path, as_version=4)
    assert set(nb.metadata) <= {"kernelspec", "language_info"}
    assert set(nb.metadata.get("language_info", {})) <= {"name"}  # no Python version, lexer or mimetype
    assert nb.metadata.kernelspec.name == "python3"
    for cell in nb.cells:
        assert not KERNEL_SPECIFIC_CELL_KEYS & set(cell.metadata), (path.stem, cell.get("id"))
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, (path.stem, cell.get("id"))


def test_git_strips_outputs_as_it_stages_a_notebook_back_to_its_committed_form(tmp_path):
    """The filter .gitattributes names, as `make setup`/`make lab` configure it, turns a notebook run and autosaved
    in JupyterLab (outputs, counts, the kernel's language_info, papermill metadata) back into the committed file."""
    pytest.importorskip("nbstripout")
    attributes = (ROOT / ".gitattributes").read_text(encoding="utf-8")
    assert "*.ipynb filter=nbstripout" in attributes
    committed = ROOT / "notebooks" / "smoking.ipynb"
    nb = nbformat.read(committed, as_version=4)
    nb.metadata["language_info"] = {"name": "python", "version": "3.11.2", "mimetype": "text/x-python",
                                    "codemirror_mode": {"name": "ipython", "version": 3}, "file_extension": ".py",
                                    "nbconvert_exporter": "python", "pygments_lexer": "ipython3"}
    nb.metadata["papermill"] = {"parameters": {"area_code": "E07000113"}}
    for number, cell in enumerate(c for c in nb.cells if c.cell_type == "code"):
        cell.execution_count = number + 1
        cell.outputs = [nbformat.v4.new_output("stream", text="fixture output\n")]
        cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00Z"}
    autosaved = tmp_path / "smoking.ipynb"
    nbformat.write(nb, autosaved)
    stripped = subprocess.run([sys.executable, "-m", "nbstripout", "--keep-id", "--extra-keys", _makefile_extra_keys(),
                               "-t"], input=autosaved.read_text(encoding="utf-8"), capture_output=True, text=True,
                              check=True).stdout
    assert nbformat.reads(stripped, as_version=4) == nbformat.read(committed, as_version=4)


# ---------------------------------------------------------------------------------- where pack.save writes
@pytest.mark.store  # the page resolves its area from the store
def test_pack_save_resolves_a_relative_folder_from_the_working_directory(page, tmp_path):
    pack, _ = page  # cwd is tmp_path
    pack.table(pd.DataFrame({"area_name": ["Swale"], "value": [23.9]}), "fixture_table", "Fixture table")
    written = pack.save("my_tables")
    assert written == [tmp_path / "my_tables" / "fixture" / "fixture_table.csv"] and written[0].is_absolute()


@pytest.mark.store  # the page resolves its area from the store
@pytest.mark.parametrize("folder", ["notebooks/my_tables", "data", "parameters/x", "nbutils", "."])
def test_pack_save_refuses_the_projects_source_folders_as_the_cli_does(page, folder, monkeypatch):
    from nbutils.errors import WorkbookError

    pack, _ = page
    pack.table(pd.DataFrame({"area_name": ["Swale"], "value": [23.9]}), "fixture_table", "Fixture table")
    monkeypatch.chdir(ROOT)  # a notebook's kernel works in notebooks/, inside the project
    with pytest.raises(WorkbookError, match="would write into the project"):
        pack.save(folder)
    with pytest.raises(WorkbookError, match="would write into the project's notebooks/ folder"):
        monkeypatch.chdir(ROOT / "notebooks")
        pack.save("my_tables")
    assert not (ROOT / "notebooks" / "my_tables").exists()


# ---------------------------------------------------------------------------------- notebook parameters from the CLI
def test_cli_parameters_are_read_as_papermill_reads_them_and_checked_against_the_notebooks():
    from nbutils import run_parameters
    from nbutils.errors import WorkbookError

    overview = ROOT / "notebooks" / "overview.ipynb"
    assert {"mothers_pct", "partners_pct", "parent_infant_pct", "births"} <= set(run_parameters.declared(overview))
    assert run_parameters.checked([["mothers_pct", "25"], ["births", "None"], ["partners_pct", "17.5"]],
                                  [overview]) == {"mothers_pct": 25, "births": None, "partners_pct": 17.5}
    with pytest.raises(WorkbookError, match="-p mother_pct: not a parameter of overview; parameters: births"):
        run_parameters.checked([["mother_pct", "25"]], [overview])
    with pytest.raises(WorkbookError, match="-p area_code: set by the runner"):
        run_parameters.checked([["area_code", "Swale"]], [overview])


# ---------------------------------------------------------------------------------- pack.tables analysis-ready
#: Appended to a notebook: every table in pack.tables summed and plotted as an analyst would, and reported.
TABLES_CHECK = r'''
import json as _json, re as _re
import matplotlib.pyplot as _plt
_looks_formatted = _re.compile(r"-?\d{1,3}(,\d{3})+(\.\d+)?%?|-?\d+\.\d+%?|-?[\d.,]+%|\[[cx]\]")
_report = {}
for _name, _table in pack.tables.items():
    _numbers = _table.select_dtypes("number")
    _fig, _ax = _plt.subplots()
    for _column in _numbers.columns:
        _ax.plot(range(len(_table)), _numbers[_column])
    _plt.close(_fig)
    _report[_name] = {
        "numeric": list(_numbers.columns),
        "sums": {c: float(_numbers[c].sum()) for c in _numbers.columns},
        "text_numbers": [c for c in _table.columns if _table[c].dtype == object and _table[c].dropna().map(
            lambda v: isinstance(v, str) and bool(_looks_formatted.fullmatch(v))).any()],
        "missing_without_reason": int((_table.drop(columns="value_note").isna().any(axis=1)
                                       & _table.value_note.eq("")).sum()),
    }
print("TABLES" + _json.dumps(_report))
'''


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_every_pack_table_of_every_notebook_sums_and_plots_as_numbers(path, tmp_path, store_ready):
    """Swale: each notebook run as in JupyterLab, then every pack.tables entry summed and plotted; numbers are
    numbers (NaN where missing, the reason in value_note), never display strings such as '[x]' or '1,234'."""
    import papermill as pm

    nb = nbformat.read(path, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(TABLES_CHECK))
    source = tmp_path / path.name
    nbformat.write(nb, source)
    done = pm.execute_notebook(str(source), str(source), parameters={"area_code": "E07000113"},
                               kernel_name="python3", progress_bar=False, cwd=str(tmp_path))
    text = "".join(o.get("text", "") for o in done.cells[-1].outputs if o.get("name") == "stdout")
    report = json.loads(text.split("TABLES", 1)[1])
    assert report, "no tables"
    for name, table in report.items():
        assert table["text_numbers"] == [], (name, table["text_numbers"])
        assert table["missing_without_reason"] == 0, name
    # every table holds numbers except the recent-trend labels and the actions with their evidence (words by design)
    assert {name for name, t in report.items() if not t["numeric"]} <= {"recent_trends", "actions"}
    if path.stem == "nutrition":
        trend = report["ncmp_year6_obesity_trend"]
        assert {"value", "lower_ci95", "upper_ci95", "count", "denominator"} <= set(trend["numeric"])
        assert trend["sums"]["value"] > 0


# ---------------------------------------------------------------------------------- JupyterLab in a browser
PLOT_TABLES = """import matplotlib.pyplot as plt
table = pack.tables["ncmp_year6_obesity_trend"]
area_rows = table[table.role == "area"]
fig, ax = plt.subplots()
ax.plot(area_rows.period, area_rows.value, marker="o")
print("NUMERIC", table.value.dtype, round(float(table.value.sum()), 1), area_rows.area_name.iloc[0])
plt.show()"""

#: JavaScript: the open notebook's code cells have all run (each has an execution count) and its kernel is idle.
ALL_RUN = """() => { const nb = window.jupyterapp.shell.currentWidget;
  if (!nb || !nb.content || !nb.sessionContext.session || !nb.sessionContext.session.kernel) return false;
  const cells = nb.content.model.sharedModel.cells.filter(c => c.cell_type === 'code');
  return nb.sessionContext.session.kernel.status === 'idle' && cells.length > 0
    && cells.every(c => c.execution_count !== null); }"""


def _git(folder: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=folder, capture_output=True, text=True, check=True).stdout


def _tree_state(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file outside .git and the built store (the repository's files)."""
    skip = (".git", "data/store", ".venv", "test-artifacts", ".pytest_cache", "outputs")
    return {k: v for k, v in _files(folder).items()
            if not k.startswith(skip) and "__pycache__" not in k and not k.startswith("data/.store")}


@pytest.mark.slow
def test_jupyterlab_run_all_plot_pack_tables_change_area_and_nothing_in_the_repository_changes(tmp_path, store_ready):
    """An analyst in JupyterLab 4 (Chromium): opens the nutrition notebook in a git repository set up as `make
    setup` sets one up, runs all cells, plots a pack table as numbers, changes the area and runs all again, and
    saves (as autosave would). The notebook on disk then holds outputs, yet git sees no change (the nbstripout
    filter), and no file of this project changed."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    # `make setup` / `make test` install JupyterLab, nbstripout and playwright (extras lab, test, pdf): no skip.
    import jupyterlab  # noqa: F401
    import nbstripout  # noqa: F401
    from playwright import sync_api
    before = _tree_state(ROOT)
    repo = tmp_path / "analyst-repo"
    (repo / "notebooks").mkdir(parents=True)
    shutil.copy(ROOT / ".gitattributes", repo / ".gitattributes")
    shutil.copy(ROOT / ".gitignore", repo / ".gitignore")  # .ipynb_checkpoints/ is ignored
    shutil.copy(ROOT / "notebooks" / "nutrition.ipynb", repo / "notebooks" / "nutrition.ipynb")
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "analyst@example.invalid")
    _git(repo, "config", "user.name", "Analyst")
    # As `make git-filter` does (the Makefile's NB_EXTRA_KEYS), with this Python.
    _git(repo, "config", "filter.nbstripout.clean", f"'{sys.executable}' -m nbstripout --keep-id")
    _git(repo, "config", "filter.nbstripout.smudge", "cat")
    _git(repo, "config", "filter.nbstripout.extrakeys", _makefile_extra_keys())
    _git(repo, "add", "-A")
    _git(repo, "commit", "-qm", "notebooks as committed")

    port, token = 18888 + os.getpid() % 1000, "analyst-test"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime"), "MPLBACKEND": ""}
    env.pop("MPLBACKEND")
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1",
         f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={repo}", "--expose-app-in-browser",
         "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
         "--allow-root"],
        cwd=repo, env=env, stdout=subprocess.DEVNULL, stderr=(tmp_path / "lab.log").open("w"))
    try:
        with sync_api.sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            url = f"http://127.0.0.1:{port}/lab/tree/notebooks/nutrition.ipynb?token={token}"
            for _ in range(60):  # the server takes a few seconds to start
                try:
                    page.goto(url, timeout=5000)
                    break
                except sync_api.Error:
                    page.wait_for_timeout(1000)
            page.wait_for_function("() => window.jupyterapp && window.jupyterapp.shell.currentWidget "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext "
                                   "&& window.jupyterapp.shell.currentWidget.sessionContext.isReady", timeout=120_000)

            def run_all() -> None:
                page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
                page.wait_for_timeout(2000)
                page.wait_for_function(ALL_RUN, timeout=300_000)

            def outputs_text() -> str:
                return page.evaluate("""() => { const nb = window.jupyterapp.shell.currentWidget;
                    return JSON.stringify(nb.content.model.sharedModel.cells.map(c => c.outputs || [])); }""")

            run_all()
            assert "Maternal and infant nutrition: Swale" in outputs_text()
            kinds = json.loads(page.evaluate("""() => JSON.stringify(window.jupyterapp.shell.currentWidget
                .content.model.sharedModel.cells.map(c => (c.outputs || []).map(o => o.output_type)))"""))
            assert "error" not in sum(kinds, []) and "display_data" in sum(kinds, [])
            # An analyst's own cell: a pack table into a numeric plot.
            page.evaluate("""(source) => { const nb = window.jupyterapp.shell.currentWidget;
                const shared = nb.content.model.sharedModel;
                shared.insertCell(shared.cells.length, {cell_type: 'code', source: source});
                nb.content.activeCellIndex = shared.cells.length - 1; }""", PLOT_TABLES)
            page.evaluate("window.jupyterapp.commands.execute('notebook:run-cell')")
            page.wait_for_function(ALL_RUN, timeout=120_000)
            last = page.evaluate("""() => JSON.stringify(window.jupyterapp.shell.currentWidget.content.model
                .sharedModel.cells.at(-1).outputs)""")
            assert "NUMERIC float64" in last and "Swale" in last and "image/png" in last, last[:500]
            # Change the area in the parameters cell and run everything again.
            page.evaluate("""() => { const shared = window.jupyterapp.shell.currentWidget.content.model.sharedModel;
                const cell = shared.cells.find(c => (c.metadata.tags || []).includes('parameters'));
                cell.setSource(cell.getSource().replace('"E07000113"', '"Medway"')); }""")
            run_all()
            text = outputs_text()
            assert "Maternal and infant nutrition: Medway" in text and "NUMERIC float64" in text
            assert "Medway" in json.loads(page.evaluate("""() => JSON.stringify(window.jupyterapp.shell
                .currentWidget.content.model.sharedModel.cells.at(-1).outputs)"""))[0]["text"]
            # The analyst puts the area back and deletes their cell (outputs stay), then saves as autosave would.
            page.evaluate("""() => { const shared = window.jupyterapp.shell.currentWidget.content.model.sharedModel;
                const cell = shared.cells.find(c => (c.metadata.tags || []).includes('parameters'));
                cell.setSource(cell.getSource().replace('"Medway"', '"E07000113"'));
                shared.deleteCell(shared.cells.length - 1); }""")
            page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
            page.wait_for_timeout(3000)
            page.screenshot(path=str(tmp_path / "jupyterlab.png"))
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    saved = nbformat.read(repo / "notebooks" / "nutrition.ipynb", as_version=4)
    assert any(c.get("outputs") for c in saved.cells if c.cell_type == "code")  # autosave wrote outputs...
    assert saved.metadata.language_info.get("version")  # ...and the kernel's language_info
    # ...which git strips as it reads the file: no change to the repository's content, nothing to commit (git
    # status lists a filtered file whose size changed until it is staged; staging it stages nothing).
    assert _git(repo, "diff", "--stat") == ""
    _git(repo, "add", "-A")
    assert _git(repo, "status", "--porcelain") == ""
    assert _tree_state(ROOT) == before  # no file of the project changed


# ---------------------------------------------------------------------------------- the finished page from a notebook
@pytest.mark.slow
def test_pack_export_writes_the_page_nbutils_run_writes_with_the_scenario_given(tmp_path, page, store_ready):
    """pack.export(folder, mothers_pct=30) runs `nbutils run` for the page's area and topic in this Python with
    -p mothers_pct 30: the page is the runner's own (code hidden, the pack's navigation), with the scenario."""
    from conftest import run_cli

    pack = report.Pack("Swale", "overview")
    written = pack.export(folder=tmp_path / "from-notebook", mothers_pct=30)
    assert written == tmp_path / "from-notebook" / "E07000113-swale" / "overview.html"
    ran = run_cli("run", "Swale", "--topics", "overview", "--out", str(tmp_path / "cli"), "-p", "mothers_pct", "30")
    assert ran.returncode == 0, ran.stderr
    by_cli = (tmp_path / "cli" / "E07000113-swale" / "overview.html").read_text(encoding="utf-8")
    by_notebook = written.read_text(encoding="utf-8")
    assert "30%" in by_notebook and "pack = Pack(" not in by_notebook
    # The same page, apart from the date it was produced and the id papermill gives its injected-parameters cell.
    produced = re.compile(r"Produced \d+ \w+ \d{4}|cell-id=[0-9a-f-]+")
    assert produced.sub("", by_notebook) == produced.sub("", by_cli)
    default = run_cli("run", "Swale", "--topics", "overview", "--out", str(tmp_path / "cli"))  # not skipped
    assert "1 succeeded" in default.stdout and "30%" not in (tmp_path / "cli" / "E07000113-swale" /
                                                             "overview.html").read_text(encoding="utf-8")


def test_make_lab_installs_only_when_pyproject_changes(tmp_path):
    """`make lab` reinstalls (about 23 s) only when pyproject.toml changed since the last install (stamp files)."""
    import hashlib

    if shutil.which("make") is None:
        pytest.skip("make not installed")
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    digest = hashlib.sha256((tmp_path / "pyproject.toml").read_bytes()).hexdigest()[:12]
    (tmp_path / ".venv").mkdir()
    (tmp_path / ".venv" / f".installed-{digest}").touch()
    os.utime(tmp_path / ".venv" / f".installed-{digest}", (1, 1))  # older than the lab stamp
    (tmp_path / ".venv" / f".lab-.installed-{digest}").touch()

    def planned() -> str:
        return subprocess.run(["make", "-n", "lab"], cwd=tmp_path, capture_output=True, text=True, check=True).stdout

    assert "pip install" not in planned() and "jupyter lab notebooks" in planned()
    with (tmp_path / "pyproject.toml").open("a") as toml:
        toml.write("\n# a changed dependency\n")
    assert "-e '.[test,lab]'" in planned()
