"""The analyst's notebook: nothing written unless asked, an Explore section in every notebook, one-line access to
any indicator, and one comparison-kind classifier / fetched-manifest reader / code fingerprint."""

from __future__ import annotations

import os
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
    assert pack.tables["fixture_table"].value.iloc[0] == 23.9 and pack.tables["fixture_table"].value.iloc[1] == "[x]"
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
    shutil.copytree(ROOT / "data" / "local", home / "data" / "local")
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
    latest = explore.indicator("ncmp_year6_obesity", "Swale", latest=True)
    swale = latest[latest.role == "area"].iloc[0]
    assert (swale.period, swale.value, swale.compared_with_england) == ("2024/25", 23.9, "Similar")
    assert latest[latest.role == "england"].value.iloc[0] == 22.2
    kent = explore.indicator("breastfeeding_6_8_weeks", "Kent")
    assert kent[(kent.role == "area") & (kent.period == "2023/24")].value.iloc[0] == pytest.approx(50.96)


def test_explore_indicator_keeps_every_published_category(store_ready):
    groups = explore.indicator("census_ethnic_group", "Swale")
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
