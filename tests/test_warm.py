"""Warm kernels: one kernel runs many notebooks, each as if in a fresh kernel (issue 16).

Fixture notebooks (built here, clearly fixtures) probe the kernel state; the real nutrition notebook checks that a
warm run's outputs equal a plain papermill run's in a new kernel.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from nbutils import areas
from nbutils.runner.execute import execute_task, notebook_imports
from nbutils.runner.kernels import WarmKernel

from conftest import write_notebook

pytestmark = pytest.mark.usefixtures("store_ready")

ROOT = Path(__file__).resolve().parents[1]

# Leaves behind everything a notebook can: a global, rcParams, a seaborn style, an open figure on another backend,
# a pandas display option, the working directory, sys.path, an environment variable, a warnings filter, a
# figure format, and a module imported from its own folder.
DIRTY = """
import os, sys, warnings
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
leaked = "from the previous notebook"
sns.set_theme(style="darkgrid", font_scale=2)
matplotlib.rcParams["lines.linewidth"] = 7
plt.switch_backend("agg")
plt.figure()
pd.set_option("display.max_rows", 3)
pd.set_option("mode.string_storage", "pyarrow")
sys.path.append("/nowhere")
os.environ["NBU_LEAKED"] = "1"
warnings.simplefilter("error")
from matplotlib_inline.backend_inline import set_matplotlib_formats
set_matplotlib_formats("svg")
import helper
os.chdir("/")
"""

# Reports the state a notebook starts in, as JSON on stdout.
PROBE = """
import json, os, sys, warnings
import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
from IPython import get_ipython
plt.close(plt.figure())  # a notebook's first figure settles the backend and its formatters
png = get_ipython().display_formatter.formatters["image/png"]
svg = get_ipython().display_formatter.formatters["image/svg+xml"]
import helper
print(json.dumps({
    "leaked": "leaked" in globals(),
    "figures": plt.get_fignums(),  # after the probe's own figure is closed
    "backend": matplotlib.get_backend(),
    "linewidth": matplotlib.rcParams["lines.linewidth"],
    "facecolor": str(matplotlib.rcParams["axes.facecolor"]),
    "font_size": matplotlib.rcParams["font.size"],
    "max_rows": pd.get_option("display.max_rows"),
    "string_storage": pd.get_option("mode.string_storage"),
    "cwd": os.getcwd(),
    "nowhere": "/nowhere" in sys.path,
    "env": "NBU_LEAKED" in os.environ,
    "warnings_error": any(f[0] == "error" for f in warnings.filters),
    "png_for_figures": png.for_type(plt.Figure) is not None,
    "svg_for_figures": svg.for_type(plt.Figure) is not None,
    "helper": helper.VALUE,
    "count": get_ipython().execution_count,
}))
"""


def _notebook(folder: Path, name: str, *sources: str) -> None:
    write_notebook(folder / f"{name}.ipynb", *sources)


def _printed(out: Path, folder: str, topic: str) -> dict:
    nb = nbformat.read(out / "_executed" / folder / f"{topic}.ipynb", as_version=4)
    return json.loads(nb.cells[-1].outputs[-1]["text"])


@pytest.fixture()
def probes(tmp_path):
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "dirty", DIRTY)
    _notebook(notebooks, "probe", PROBE)
    _notebook(notebooks, "broken", "raise ValueError('broken on purpose')")
    (notebooks / "helper.py").write_text("VALUE = 1\n")
    kernel = WarmKernel(notebook_imports(notebooks / "dirty.ipynb"))
    yield notebooks, tmp_path / "out", kernel
    kernel.close()


def test_a_notebook_leaves_nothing_for_the_next_one_on_the_same_kernel(probes):
    notebooks, out, kernel = probes
    swale, thanet = areas.resolve("Swale"), areas.resolve("Thanet")
    first = execute_task(swale, "probe", out, 120, notebooks, kernel)  # a kernel's first notebook: the reference
    dirty = execute_task(swale, "dirty", out, 120, notebooks, kernel)
    assert (first.status, dirty.status) == ("succeeded", "succeeded"), (first.error, dirty.error)
    (notebooks / "helper.py").write_text("VALUE = 22\n")  # an edited helper next to the notebooks is read afresh
    after = execute_task(thanet, "probe", out, 120, notebooks, kernel)
    assert after.status == "succeeded", after.error
    assert kernel.starts == 1  # all three on one kernel

    # The reference: the same probe run by the papermill command line in a new kernel.
    cold = out / "cold-probe.ipynb"
    _papermill(notebooks / "probe.ipynb", cold, notebooks, "E07000114", str(out / "E07000114-thanet"))
    fresh = json.loads(nbformat.read(cold, as_version=4).cells[-1].outputs[-1]["text"])
    first_on_kernel, warm = _printed(out, "E07000113-swale", "probe"), _printed(out, "E07000114-thanet", "probe")
    # The one deliberate difference: batch kernels keep text as Python strings (isolation.BATCH_PANDAS_OPTIONS),
    # set again after a notebook changed it; the pages are the same (test_warm_outputs_equal_a_plain_papermill...).
    assert fresh.pop("string_storage") == "auto"
    assert first_on_kernel.pop("string_storage") == warm.pop("string_storage") == "python"
    assert first_on_kernel == {**fresh, "helper": 1}
    assert warm == fresh
    assert warm["leaked"] is False and warm["figures"] == [] and warm["linewidth"] == 1.5 and warm["helper"] == 22
    assert warm["max_rows"] == 60 and warm["cwd"] == str(notebooks) and warm["font_size"] == 10
    assert warm["backend"] == "module://matplotlib_inline.backend_inline"
    assert (warm["png_for_figures"], warm["svg_for_figures"], warm["env"], warm["nowhere"]) == (True, False, False,
                                                                                                False)


def _papermill(source: Path, output: Path, cwd: Path, area_code: str, output_dir: str) -> None:
    """What an analyst runs: the papermill command line, in a new kernel."""
    done = subprocess.run([str(Path(sys.executable).parent / "papermill"), str(source), str(output),
                           "-p", "area_code", area_code, "-p", "output_dir", output_dir, "-k", "python3",
                           "--cwd", str(cwd), "--no-progress-bar"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]


def test_a_kernel_is_replaced_after_a_failure_after_n_notebooks_and_past_its_memory_limit(probes):
    notebooks, out, kernel = probes
    swale = areas.resolve("Swale")
    assert execute_task(swale, "broken", out, 120, notebooks, kernel).status == "failed"
    assert execute_task(swale, "probe", out, 120, notebooks, kernel).status == "succeeded"
    assert kernel.starts == 2  # the failure retired the first kernel

    kernel.recycle_after = 2
    for _ in range(3):
        assert execute_task(swale, "probe", out, 120, notebooks, kernel).status == "succeeded"
    assert kernel.starts == 3  # probe, probe on the second kernel, then a third

    kernel.recycle_after, kernel.max_rss_mb = 100, 1  # every kernel is over 1 MB
    execute_task(swale, "probe", out, 120, notebooks, kernel)
    assert kernel.starts == 4 and kernel.rss_mb > 1



# Writes to both streams around displays and a result, from the notebook's thread.
INTERLEAVED = """
import sys
from IPython.display import HTML, display
print("one")
display(HTML("<b>two</b>"))
print("three", file=sys.stderr)
display(HTML("<b>four</b>"))
display(HTML("<b>five</b>"))
print(type(sys.stdout).__name__)
"seven"
"""


def test_each_output_arrives_in_the_order_the_cell_made_it(tmp_path):
    # A batch kernel's streams skip the flush before an output when nothing was written (runner.streams); text
    # written before an output must still arrive before it, or a printed line would follow the chart it introduces.
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "interleaved", INTERLEAVED, INTERLEAVED)
    kernel = WarmKernel(["matplotlib.pyplot", "pandas"])
    try:
        result = execute_task(areas.resolve("Swale"), "interleaved", tmp_path / "out", 120, notebooks, kernel)
    finally:
        kernel.close()
    assert result.status == "succeeded", result.error
    nb = nbformat.read(tmp_path / "out" / "_executed" / "E07000113-swale" / "interleaved.ipynb", as_version=4)
    for cell in nb.cells[-2:]:
        seen = [(o["output_type"], o.get("name") or "", o.get("text") or "".join(o.get("data", {}).get("text/html",
                o.get("data", {}).get("text/plain", "")))) for o in cell.outputs]
        assert seen == [("stream", "stdout", "one\n"), ("display_data", "", "<b>two</b>"),
                        ("stream", "stderr", "three\n"), ("display_data", "", "<b>four</b>"),
                        ("display_data", "", "<b>five</b>"), ("stream", "stdout", "BatchOutStream\n"),
                        ("execute_result", "", "'seven'")]

# Keeps a self-referencing object (as a dropped figure or cache entry is) where a package cache would, then drops it.
KEEP = """
import sys, weakref
class Cycle:
    pass
kept = Cycle(); kept.me = kept
sys.nbu_kept, sys.nbu_ref = kept, weakref.ref(kept)
"""
DROP = "import sys\ndel sys.nbu_kept"
ALIVE = "import sys\nprint(sys.nbu_ref() is not None)"


def test_what_a_notebook_drops_from_a_cache_is_freed_within_a_few_notebooks(tmp_path):
    from nbutils.runner.isolation import FULL_COLLECTION_EVERY

    notebooks = tmp_path / "notebooks"
    for name, source in (("keep", KEEP), ("drop", DROP), ("alive", ALIVE)):
        _notebook(notebooks, name, source)
    kernel = WarmKernel(["matplotlib.pyplot", "pandas"])
    swale, out = areas.resolve("Swale"), tmp_path / "out"
    try:
        alive = []
        for topic in ("keep", "drop", *["alive"] * (FULL_COLLECTION_EVERY + 1)):
            assert execute_task(swale, topic, out, 120, notebooks, kernel).status == "succeeded"
            if topic == "alive":
                nb = nbformat.read(out / "_executed" / "E07000113-swale" / "alive.ipynb", as_version=4)
                alive.append(nb.cells[-1].outputs[-1]["text"].strip() == "True")
        assert kernel.starts == 1
    finally:
        kernel.close()
    # Kept past a notebook's own collection (what survives one is frozen, so later collections skip it), then freed
    # by the next collection that looks at everything: memory does not grow with what caches let go.
    assert alive[0] is True and alive[-1] is False

def test_a_kernel_starts_with_what_its_first_notebook_imports():
    modules = notebook_imports((ROOT / "notebooks" / "sudi.ipynb").resolve())
    assert {"matplotlib.pyplot", "pandas", "nbutils.charts", "nbutils.report", "nbutils.topics.sudi"} <= set(modules)
    assert "nbutils.topics.nutrition" not in modules


# ------------------------------------------------------------------------------------------------- warm = cold


def _normalised(path: Path, out: Path) -> dict:
    """The executed notebook without what differs between any two runs: times, durations, the output folder and
    the random id papermill gives the injected-parameters cell."""
    nb = json.loads(path.read_text())
    papermill = nb["metadata"]["papermill"]
    for key in ("start_time", "end_time", "duration", "input_path", "output_path"):
        papermill.pop(key, None)
    for cell in nb["cells"]:
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if "injected-parameters" in cell.get("metadata", {}).get("tags", []):
            cell.pop("id", None)
    text = json.dumps(nb, sort_keys=True).replace(str(out), "OUT")
    return json.loads(re.sub(r"[0-9a-f]{32}", "ID", text))


@pytest.mark.slow
def test_warm_outputs_equal_a_plain_papermill_run_in_a_new_kernel(tmp_path):
    swale, thanet = areas.resolve("Swale"), areas.resolve("Thanet")
    notebooks = (ROOT / "notebooks").resolve()
    warm_out = tmp_path / "warm"
    kernel = WarmKernel(notebook_imports(notebooks / "nutrition.ipynb"))
    try:
        for area, topic in ((thanet, "nutrition"), (swale, "housing"), (swale, "nutrition")):
            result = execute_task(area, topic, warm_out, 600, notebooks, kernel)
            assert result.status == "succeeded", result.error
            assert any(r.startswith("indicator:") for r in result.reads)  # what it read, as the kernel recorded it
        assert kernel.starts == 1
    finally:
        kernel.close()

    cold_out = tmp_path / "cold"
    folder = cold_out / swale.folder
    folder.mkdir(parents=True)
    cold = tmp_path / "cold.ipynb"
    _papermill(notebooks / "nutrition.ipynb", cold, notebooks, swale.code, str(folder))

    warm_nb = _normalised(warm_out / "_executed" / swale.folder / "nutrition.ipynb", warm_out)
    cold_nb = _normalised(cold, cold_out)
    assert warm_nb["metadata"]["papermill"]["parameters"] == {"area_code": "E07000113", "output_dir": "OUT/"
                                                              "E07000113-swale"}
    assert warm_nb == cold_nb, list(_differences(warm_nb, cold_nb))[:10]
    tables = sorted(p.relative_to(folder) for p in (folder / "nutrition").glob("*.csv"))
    assert tables
    for table in tables:
        assert (warm_out / swale.folder / table).read_bytes() == (folder / table).read_bytes(), table



def _differences(a, b, where=""):
    """Where two JSON values differ (for a readable failure)."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            yield from _differences(a.get(key), b.get(key), f"{where}.{key}")
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for index, (x, y) in enumerate(zip(a, b)):
            yield from _differences(x, y, f"{where}[{index}]")
    elif a != b:
        yield where, str(a)[:200], str(b)[:200]
