"""The runner: kernels from this Python, failures isolated, outputs laid out as the CLI contract says."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from conftest import run_cli, write_notebook
from nbutils import areas, runner

pytestmark = pytest.mark.usefixtures("store_ready")

ROOT = Path(__file__).resolve().parents[1]


def _notebook(path, *sources, parameters=True):
    return write_notebook(path, *sources, parameters=parameters)


def test_a_stale_user_python3_kernelspec_does_not_hijack_the_run(tmp_path, monkeypatch):
    # A user-level 'python3' kernelspec pointing at another interpreter (here: one that cannot exist).
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/old-env/bin/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (stale)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter"))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    source = _notebook(tmp_path / "which.ipynb", "import sys, nbutils\nprint(sys.executable)", parameters=False)
    out = tmp_path / "which.out.ipynb"
    pm.execute_notebook(str(source), str(out), kernel_name="python3", progress_bar=False,
                        kernel_manager_class=runner.CurrentPythonKernelManager)
    printed = nbformat.read(out, as_version=4).cells[0].outputs[0]["text"].strip()
    assert printed == sys.executable


def test_failed_notebook_keeps_its_executed_copy_and_gets_no_html(project_copy, tmp_path):
    notebooks = project_copy / "notebooks"
    _notebook(notebooks / "broken.ipynb", "raise ValueError('no data for ' + area_code)")
    _notebook(notebooks / "tiny.ipynb", "from nbutils.report import Pack\nPack(area_code, 'tiny', output_dir).note('ok')")
    out = tmp_path / "out"
    result = run_cli("run", "Swale", "--topics", "broken,tiny", "--out", str(out), "--jobs", "2",
                     env={"NBUTILS_HOME": str(project_copy)})
    assert result.returncode == 1, result.stderr
    assert "FAILED Swale / broken" in result.stdout and "1 succeeded, 1 failed" in result.stdout

    folder = out / "E07000113-swale"
    executed = out / "_executed" / "E07000113-swale"
    assert (executed / "broken.ipynb").exists() and not (folder / "broken.html").exists()
    assert (folder / "tiny.html").exists() and (executed / "tiny.ipynb").exists()
    assert not list(folder.rglob("*.ipynb"))  # the circulated folder holds pages, tables and maps only
    manifest = json.loads((out / "manifest.json").read_text())
    runs = {r["topic"]: r for r in manifest["runs"]}
    assert runs["broken"]["status"] == "failed"
    assert runs["broken"]["error"] == "ValueError: no data for E07000113"
    assert runs["tiny"]["status"] == "succeeded" and runs["tiny"]["seconds"] > 0
    index = (out / "index.html").read_text()
    assert "✗ failed" in index and "ValueError: no data for E07000113" in index
    assert 'href="E07000113-swale/tiny.html"' in index
    # The executed copy is linked for the failure only.
    assert 'href="_executed/E07000113-swale/broken.ipynb"' in index and "_executed/E07000113-swale/tiny" not in index
    assert runs["broken"]["executed"] == "_executed/E07000113-swale/broken.ipynb"


def test_an_index_left_behind_its_run_record_is_rewritten_by_the_next_run(project_copy, tmp_path):
    # A run killed between two index writes (they are a few seconds apart) leaves the record ahead of the index.
    _notebook(project_copy / "notebooks" / "tiny.ipynb", "print(area_code)")
    out, env = tmp_path / "out", {"NBUTILS_HOME": str(project_copy)}
    assert run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env).returncode == 0
    index, manifest = out / "index.html", out / "manifest.json"
    index.write_text("left behind")
    os.utime(index, ns=(1, manifest.stat().st_mtime_ns - 10**9))
    again = run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env)
    assert again.returncode == 0 and "0 succeeded, 0 failed, 1 skipped" in again.stdout, again.stdout
    assert 'href="E07000113-swale/tiny.html"' in index.read_text()  # rewritten, though nothing ran
    before = index.stat().st_mtime_ns
    run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env)
    assert index.stat().st_mtime_ns == before  # an index as new as its record is left alone


def test_topics_are_offered_in_pack_order(tmp_path, monkeypatch):
    # The six notebooks in the reading order of a pack, whatever order they are asked for in.
    assert runner.available_topics() == ["overview", "ethnicity", "housing", "nutrition", "sudi", "smoking"]
    assert runner.resolve_topics(["smoking", "overview", "ethnicity"]) == ["overview", "ethnicity", "smoking"]
    assert runner.resolve_topics(None) == runner.available_topics()
    # A notebook not in the pack order (fixture folder of empty files) comes after the ordered topics, by name.
    for name in ("zeta", "smoking", "alpha", "overview"):
        (tmp_path / f"{name}.ipynb").write_text("{}")
    monkeypatch.setattr(runner.paths, "notebooks_dir", lambda: tmp_path)
    assert runner.available_topics() == ["overview", "smoking", "alpha", "zeta"]


@pytest.fixture(scope="module")
def ethnicity_run(tmp_path_factory):
    """One real run of the ethnicity notebook for a Kent district and a London borough, shared by the checks."""
    out = tmp_path_factory.mktemp("packs")
    result = run_cli("run", "Swale", "Westminster", "--topics", "ethnicity", "--out", str(out), "--jobs", "2")
    return result, out


@pytest.mark.slow
def test_ethnicity_run_succeeds_with_the_documented_layout(ethnicity_run):
    result, out = ethnicity_run
    assert result.returncode == 0, result.stdout + result.stderr
    for folder in ("E07000113-swale", "E09000033-westminster"):
        base = out / folder
        assert (base / "ethnicity.html").exists() and (out / "_executed" / folder / "ethnicity.ipynb").exists()
        assert not list(base.rglob("*.ipynb"))
        for name in ("ethnic_groups_detailed.csv", "broad_ethnic_groups.csv", "gypsy_traveller_roma.csv",
                     "language_and_migration.csv", "msoa_profile.csv", "map_ethnic_minority_msoa.html",
                     "map_english_proficiency_msoa.html"):
            assert (base / "ethnicity" / name).exists(), name
    manifest = json.loads((out / "manifest.json").read_text())
    assert {(r["area_code"], r["status"]) for r in manifest["runs"]} == {("E07000113", "succeeded"),
                                                                         ("E09000033", "succeeded")}
    index = (out / "index.html").read_text()
    assert 'href="E09000033-westminster/ethnicity.html"' in index


@pytest.mark.slow
def test_ethnicity_html_hides_code_and_has_contents_and_messages(ethnicity_run):
    _, out = ethnicity_run
    page = (out / "E07000113-swale" / "ethnicity.html").read_text()
    assert "pack = Pack(" not in page and "area_code =" not in page  # code and parameters hidden
    assert 'class="nbu-toc"' in page and 'href="#Detailed-ethnic-groups"' in page
    assert "Key messages" in page and "11.4% of Swale" in page
    assert "<title>Ethnicity: Swale</title>" in page


@pytest.mark.slow
def test_ethnicity_csv_values_match_census_2021(ethnicity_run):
    import pandas as pd

    _, out = ethnicity_run
    swale = pd.read_csv(out / "E07000113-swale" / "ethnicity" / "ethnic_groups_detailed.csv")
    share = swale.set_index(["area_name", "group"])["share_pct"].round(1)
    # ONS Census 2021 TS021 (percent rows): Swale White British 88.6, Gypsy or Irish Traveller 0.6, Other White 4.0;
    # England White British 73.5.
    assert share["Swale", "White British"] == 88.6
    assert share["Swale", "Gypsy or Irish Traveller"] == 0.6
    assert share["Swale", "Other White"] == 4.0
    assert share["England", "White British"] == 73.5
    # Kent-wide (sum of the 12 districts' TS021 counts): 1,311,095 White British of 1,576,077 residents.
    assert share["Kent", "White British"] == 83.2
    kent = swale[(swale.area_name == "Kent") & (swale.group == "White British")].iloc[0]
    assert (kent["count"], kent["residents"]) == (1_311_095, 1_576_077)

    westminster = pd.read_csv(out / "E09000033-westminster" / "ethnicity" / "ethnic_groups_detailed.csv")
    wshare = westminster.set_index(["area_name", "group"])["share_pct"].round(1)
    assert wshare["Westminster", "White British"] == 28.0
    assert wshare["Westminster", "Arab"] == 7.6
    assert wshare["Westminster", "Roma"] == 0.7
    assert "Kent" not in set(westminster.area_name)  # London boroughs compare with London and England only
    assert set(westminster.area_name) == {"Westminster", "London", "England"}


@pytest.mark.slow
def test_maps_are_standalone_and_need_no_cdn(ethnicity_run):
    _, out = ethnicity_run
    page = (out / "E07000113-swale" / "ethnicity" / "map_ethnic_minority_msoa.html").read_text()
    assert "L.geoJson" in page or "L.geoJSON" in page
    assert "cdn.jsdelivr.net" not in page and "cdnjs.cloudflare.com" not in page
    assert "Ethnic minority residents (% of residents, 2021)" in page  # legend with units
    assert "Swale 010" in page  # the MSOA names travel with the polygons for tooltips


def test_resolve_targets_for_run():
    assert [a.name for a in areas.resolve_targets(["coventry"])] == ["Coventry"]


# Runs the command line in this process and prints which heavy modules it imported.
IMPORTS_CHILD = r"""
import contextlib, io, json, sys
from nbutils import cli
with contextlib.redirect_stdout(io.StringIO()):
    code = cli.main(sys.argv[1:])
heavy = ("matplotlib", "geopandas", "shapely", "pyogrio", "folium", "seaborn", "jupyter_client", "papermill",
         "nbconvert", "nbclient", "zmq")
print(json.dumps({"code": code, "imported": sorted(m for m in heavy if m in sys.modules)}))
"""


def _imports(*args, env):
    done = subprocess.run([sys.executable, "-c", IMPORTS_CHILD, *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_commands_that_run_no_notebook_import_no_plotting_geometry_or_jupyter(project_copy, store_ready, tmp_path):
    _notebook(project_copy / "notebooks" / "tiny.ipynb", "print(area_code)")
    for extra in ("local", "fetched"):  # the same data as the session's store, so nothing rebuilds it
        if (ROOT / "data" / extra).exists():
            shutil.copytree(ROOT / "data" / extra, project_copy / "data" / extra, dirs_exist_ok=True)
    env = {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(store_ready)}
    out = str(tmp_path / "out")
    # A run that executes: the notebooks run in the worker processes, so the runner itself imports none of them.
    assert _imports("run", "Swale", "--topics", "tiny", "--out", out, env=env) == {"code": 0, "imported": []}
    assert (tmp_path / "out" / "E07000113-swale" / "tiny.html").exists()
    for args in (["areas"], ["areas", "kent"], ["topics"], ["data", "status"],
                 ["run", "Swale", "--topics", "tiny", "--out", out]):  # the last: a no-op rerun
        assert _imports(*args, env=env) == {"code": 0, "imported": []}, args
