"""The package as a packager sees it: what the wheel holds, what it declares, and that it runs when installed."""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nbutils"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement (``jupyter_client>=8.6`` -> ``jupyter-client``)."""
    return re.split(r"[<>=!~ \[;]", requirement, maxsplit=1)[0].lower().replace("_", "-").replace(".", "-")


def _requirements() -> dict[str, str]:
    project = PYPROJECT["project"]
    found = {_name(r): r for r in project["dependencies"]}
    for extra in project["optional-dependencies"].values():
        found |= {_name(r): r for r in extra}
    return found


# Import names that differ from their distribution's name.
IMPORT_TO_DISTRIBUTION = {"yaml": "pyyaml", "IPython": "ipython", "jinja2": "jinja2", "xstatic": "xstatic-leaflet"}


def test_every_imported_library_is_declared():
    stdlib = set(sys.stdlib_module_names)
    imported = set()
    for path in PACKAGE.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        for node in ast.walk(ast.parse(text)):  # imports inside functions count too
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                imported.add(node.module.split(".")[0])
        imported |= set(re.findall(r"resources\.files\(\"([a-z_]+)", text))
    third_party = {name for name in imported if name not in stdlib and name not in {"nbutils", "__future__"}}
    declared = set(_requirements())
    missing = sorted(n for n in third_party if IMPORT_TO_DISTRIBUTION.get(n, n).lower().replace("_", "-")
                     not in declared)
    assert missing == []


def test_pdf_and_dask_are_extras_not_requirements():
    core = {_name(r) for r in PYPROJECT["project"]["dependencies"]}
    extras = PYPROJECT["project"]["optional-dependencies"]
    assert {"playwright", "pypdf"} <= {_name(r) for r in extras["pdf"]}
    assert {_name(r) for r in extras["dask"]} == {"distributed"}
    assert not core & {"playwright", "pypdf", "distributed"}


def test_the_distribution_name_is_not_the_unrelated_public_nbutils():
    # `nbutils` on the public index is another project ("Python notebook utils"); the import name stays nbutils.
    assert PYPROJECT["project"]["name"] == "infant-health-workbook"
    assert PYPROJECT["project"]["scripts"]["nbutils"] == "nbutils.cli:main"


def test_one_version_source():
    assert PYPROJECT["project"]["dynamic"] == ["version"]
    assert PYPROJECT["tool"]["setuptools"]["dynamic"]["version"] == {"attr": "nbutils.__version__"}


def test_environment_yml_equals_pyproject():
    spec = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = [d for d in spec["dependencies"] if isinstance(d, str) and not d.startswith(("python=", "pip"))]
    pip = next(d["pip"] for d in spec["dependencies"] if isinstance(d, dict))
    conda_names = {"python-build": "build"}  # conda-forge's name for PyPA build
    in_env = {conda_names.get(_name(r), _name(r)): r.replace(" ", "") for r in conda}
    in_env |= {_name(r): r for r in pip if not r.startswith("-e")}
    declared = {name: r.replace(" ", "") for name, r in _requirements().items()}
    assert sorted(in_env) == sorted(declared)
    # the same bounds, not just the same names
    assert {n: re.sub(r"^[^<>=!~]+", "", r) for n, r in in_env.items()} == \
        {n: re.sub(r"^[^<>=!~]+", "", r) for n, r in declared.items()}


def test_warm_engine_internals_are_where_the_runner_expects_them():
    """Canary for the upper bounds on papermill and nbclient: the warm engine uses these internals."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError  # noqa: F401
    from papermill.clientwrap import PapermillNotebookClient
    from papermill.engines import Engine, NotebookExecutionManager, papermill_engines

    assert issubclass(PapermillNotebookClient, NotebookClient)
    for name in ("reset_execution_trackers", "async_execute_cell", "async_wait_for_reply", "set_widgets_metadata"):
        assert callable(getattr(PapermillNotebookClient, name)), name
    for name in ("cell_start", "cell_exception", "cell_complete"):
        assert callable(getattr(NotebookExecutionManager, name)), name
    assert "nb_man" in inspect.signature(Engine.execute_managed_notebook).parameters
    assert callable(papermill_engines.register)
    init = inspect.signature(PapermillNotebookClient.__init__).parameters
    assert {"nb_man", "km"} <= set(init)


def _package_files() -> set[str]:
    tracked = subprocess.run(["git", "ls-files", "nbutils"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout: every file under the package
        tracked = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*") if p.is_file()]
    return {f for f in tracked if "__pycache__" not in f}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    shutil.rmtree(ROOT / "build", ignore_errors=True)
    return next(out.glob("*.whl")), done.stdout + done.stderr


@pytest.mark.slow
def test_the_wheel_holds_every_file_of_the_package_and_builds_without_warnings(wheel):
    path, log = wheel
    names = set(zipfile.ZipFile(path).namelist())
    assert sorted(_package_files() - names) == []
    assert not re.search(r"SetuptoolsDeprecationWarning|Package would be ignored|is not declared", log), log


@pytest.mark.slow
def test_the_installed_wheel_builds_an_area_from_a_project_folder(wheel, tmp_path, project_copy):
    """Non-editable install in a new virtual environment, run from a project folder (data, notebooks, parameters)."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    install = subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel[0])],
                             capture_output=True, text=True, timeout=900)
    assert install.returncode == 0, install.stderr[-3000:]
    env = {k: v for k, v in os.environ.items() if k not in {"NBUTILS_HOME", "PYTHONPATH", "VIRTUAL_ENV"}}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    out = tmp_path / "packs"
    done = subprocess.run([str(venv / "bin" / "nbutils"), "run", "E10000016", "--topics", "overview", "--out",
                           str(out)], cwd=project_copy, capture_output=True, text=True, env=env, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    page = next(out.glob("E10000016-*/overview.html")).read_text(encoding="utf-8")
    assert "Kent" in page and "Traceback" not in page
    # the package came from the wheel, not from this checkout
    where = subprocess.run([str(python), "-c", "import nbutils; print(nbutils.__file__)"], capture_output=True,
                           text=True, cwd=tmp_path, env=env).stdout
    assert str(venv) in where
