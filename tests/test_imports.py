"""Importing nbutils changes no global state: an analyst's own plots in JupyterLab keep their backend and style.

Each check runs in a fresh interpreter with the JupyterLab kernel's backend (matplotlib-inline) selected, as a
kernel does, snapshots matplotlib's backend and rcParams, imports the module(s) and reports what changed.

And commands that run no notebook (listing areas and topics, a run with everything up to date) answer at once:
they import no pandas, pyarrow, matplotlib or geopandas (issue 16; the timings are in benchmarks/bench_cli.py).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import matplotlib
import pytest

from conftest import write_notebook

ROOT = Path(__file__).resolve().parents[1]
INLINE = "module://matplotlib_inline.backend_inline"

# Runs in the child: prints {module: [changed things]} for each module imported in turn.
CHILD = r"""
import importlib, json, sys
import matplotlib

def snapshot():
    return matplotlib.get_backend(), dict(matplotlib.rcParams)

def changes(before, after):
    out = []
    if before[0] != after[0]:
        out.append(f"backend {before[0]!r} -> {after[0]!r}")
    keys = sorted(k for k in set(before[1]) | set(after[1]) if before[1].get(k) != after[1].get(k))
    out += [f"rcParams[{k!r}] {before[1].get(k)!r} -> {after[1].get(k)!r}" for k in keys[:10]]
    return out

report = {}
for name in sys.argv[1:]:
    before = snapshot()
    importlib.import_module(name)
    report[name] = changes(before, snapshot())
print(json.dumps(report))
"""


def _import_in_fresh_kernel_like_process(*args, extra_path=None):
    path = str(ROOT) if extra_path is None else f"{ROOT}{os.pathsep}{extra_path}"
    env = {**os.environ, "MPLBACKEND": INLINE, "PYTHONPATH": path}
    done = subprocess.run([sys.executable, "-c", CHILD, *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _all_module_names():
    done = subprocess.run(
        [sys.executable, "-c", "import json, pkgutil, nbutils; print(json.dumps([m.name for m in "
         "pkgutil.walk_packages(nbutils.__path__, 'nbutils.')]))"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_the_check_sees_a_backend_switch(tmp_path):
    # The check itself can fail: a fixture module doing what charts.py used to do is reported.
    (tmp_path / "switches_backend.py").write_text('import matplotlib\nmatplotlib.use("Agg")\n')
    report = _import_in_fresh_kernel_like_process("matplotlib.pyplot", "switches_backend", extra_path=tmp_path)
    assert report["switches_backend"][0].lower() == f"backend {INLINE!r} -> 'agg'"
    assert any(line.startswith("rcParams['backend']") for line in report["switches_backend"])


def test_importing_charts_keeps_backend_and_rcparams():
    assert _import_in_fresh_kernel_like_process("matplotlib.pyplot", "nbutils.charts")["nbutils.charts"] == []


def test_importing_maps_keeps_backend_and_rcparams():
    assert _import_in_fresh_kernel_like_process("nbutils.maps")["nbutils.maps"] == []


def test_importing_every_nbutils_module_keeps_backend_and_rcparams():
    names = ["nbutils", *_all_module_names()]
    assert {"nbutils.charts", "nbutils.maps", "nbutils.stats.trend", "nbutils.topics.sudi"} <= set(names)
    report = _import_in_fresh_kernel_like_process(*names)
    assert set(report) == set(names)
    assert {name: changed for name, changed in report.items() if changed} == {}


def test_chart_style_applies_only_inside_the_context():
    from nbutils import charts

    before = dict(matplotlib.rcParams)
    with charts.style():
        assert matplotlib.rcParams["axes.facecolor"] == "white"
        assert matplotlib.rcParams["axes.grid"] is True
        assert matplotlib.rcParams["font.size"] == pytest.approx(12 * 0.95)
    assert dict(matplotlib.rcParams) == before


# --------------------------------------------------------------------------------------------------- quick commands
HEAVY = ("pandas", "pyarrow", "matplotlib", "geopandas")
# Runs in the child: the command line in-process, then which heavy libraries it imported.
CLI_CHILD = f"""
import contextlib, io, json, sys
from nbutils import cli
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = cli.main(sys.argv[1:])
print(json.dumps({{"code": code, "stdout": out.getvalue(), "heavy": sorted(m for m in {HEAVY!r} if m in sys.modules)}}))
"""


def _cli_in_fresh_process(*args, env=None):
    full = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    done = subprocess.run([sys.executable, "-c", CLI_CHILD, *args], cwd=ROOT, env=full, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_the_modules_behind_quick_commands_import_no_pandas():
    names = ["nbutils.cli", "nbutils.areas", "nbutils.store_state", "nbutils.runner", "nbutils.runner.batch"]
    code = f"import json, sys\nimport {', '.join(names)}\nprint(json.dumps([m for m in {HEAVY!r} if m in sys.modules]))"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)},
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("args, shown", [
    (["areas"], "296 English districts and unitary authorities and 21 counties"),
    (["areas", "kent"], "E07000113  Swale"),
    (["topics"], "sudi       Sudden unexpected death in infancy"),
])
def test_listing_commands_import_no_data_or_drawing_library(store_ready, args, shown):
    done = _cli_in_fresh_process(*args, env={"NBUTILS_STORE": str(store_ready)})
    assert done["code"] == 0 and shown in done["stdout"]
    assert done["heavy"] == []


def test_an_up_to_date_run_imports_no_data_or_drawing_library(project_copy, store_ready, tmp_path):
    write_notebook(project_copy / "notebooks" / "tiny.ipynb", "print(area_code)")
    env = {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(store_ready)}
    args = ["run", "kent", "--topics", "tiny", "--jobs", "2", "--out", str(tmp_path / "out")]
    first = _cli_in_fresh_process(*args, env=env)
    assert first["code"] == 0 and "14 succeeded, 0 failed, 0 skipped" in first["stdout"]
    assert "pandas" in first["heavy"]  # the check sees pandas: a run with work validates the local data with it
    again = _cli_in_fresh_process(*args, env=env)
    assert again["code"] == 0 and "0 succeeded, 0 failed, 14 skipped (up to date)" in again["stdout"]
    assert "'kent' is the area set parameters/kent.yaml" in again["stdout"]
    assert again["heavy"] == []
