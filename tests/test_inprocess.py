"""Notebooks run in their worker's own process (nbutils.runner.inprocess): the same outputs as a kernel's, a fresh
state for each notebook, and a worker replaced after a failure, a stuck notebook or its memory.

The runner's workers run notebooks in themselves; a warm kernel (nbutils.runner.kernels), as Dask's threads use,
is the reference. Fixture notebooks are built here, clearly as fixtures; the real nutrition notebook checks a page.
"""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

import nbformat
import pytest

from nbutils import areas, runner
from nbutils.runner import pool
from nbutils.runner.execute import execute_task, notebook_imports
from nbutils.runner.inprocess import InProcessKernel
from nbutils.runner.kernels import WarmKernel

from conftest import write_notebook
from test_warm import _differences, _normalised

pytestmark = pytest.mark.usefixtures("store_ready")

ROOT = Path(__file__).resolve().parents[1]
SWALE = "E07000113-swale"

# Everything a cell can send: printed lines on both streams around displays, a warning, a figure drawn by the
# inline backend, a table, a result, and (last) an error with its traceback.
SHOWS = """
import sys, warnings
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import HTML, Markdown, display
print("one")
display(HTML("<b>two</b>"))
print("three", file=sys.stderr)
display(Markdown("**four**"), HTML("<i>five</i>"))
warnings.warn("a fixture warning")
fig, ax = plt.subplots(figsize=(2, 1))
ax.plot([1, 2, 3], [3, 1, 2])
display(pd.DataFrame({"area": ["Swale", "Thanet"], "value": [1.5, None]}))
"seven"
"""
RESULT_ONLY = "{'a': (1, 2), 'b': [3.0, float('nan')]}"
BROKEN = "def broken():\n    raise ValueError('broken on purpose')\nbroken()"
PID = "import os\nprint(os.getpid())"
# Lines printed apart in time: a kernel's stream sends what it holds after 0.2 s, so they are two outputs.
SPACED = "import time\nprint('a')\ntime.sleep(0.5)\nprint('b')"


def _notebook(folder: Path, name: str, *sources: str) -> None:
    write_notebook(folder / f"{name}.ipynb", *sources)


def _run(notebooks: Path, out: Path, topics: list[str], names=("Swale",), **kwargs):
    return runner.run([areas.resolve(n) for n in names], topics, out, notebooks=notebooks, jobs=1,
                      progress=runner.PlainProgress(lambda _: None), **kwargs)


def _on_a_kernel(notebooks: Path, out: Path, topics: list[str]) -> None:
    kernel = WarmKernel(notebook_imports(notebooks / f"{topics[0]}.ipynb"))
    try:
        for topic in topics:
            execute_task(areas.resolve("Swale"), topic, out, 600, notebooks, kernel)
    finally:
        kernel.close()


def _printed(out: Path, topic: str) -> str:
    nb = nbformat.read(out / "_executed" / SWALE / f"{topic}.ipynb", as_version=4)
    return nb.cells[-1].outputs[-1]["text"].strip()


def _page(path: Path) -> str:
    """A page without papermill's random ids for the cells it adds, and the process's id in a warning's file."""
    return re.sub(r"ipykernel_\d+", "ipykernel_PID", re.sub(r"cell-id=[0-9a-f]{8}", "cell-id=ID", path.read_text()))


def _same(path: Path, out: Path) -> dict:
    """An executed notebook as :func:`test_warm._normalised` sees it, also without the ids of papermill's error
    cells and the process's id in a warning's file."""
    nb = _normalised(path, out)
    for cell in nb["cells"]:
        if "papermill-error-cell-tag" in cell.get("metadata", {}).get("tags", []):
            cell.pop("id", None)
    return json.loads(re.sub(r"ipykernel_\d+", "ipykernel_PID", json.dumps(nb)))


def test_a_notebook_run_in_its_worker_is_byte_for_byte_the_same_as_on_a_kernel(tmp_path):
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "a_shows", SHOWS, SHOWS, RESULT_ONLY, SPACED)
    _notebook(notebooks, "b_broken", SHOWS, BROKEN, "print('never run')")
    _notebook(notebooks, "c_asks", "name = input('Area? ')")
    topics = ["a_shows", "b_broken"]
    summary = _run(notebooks, tmp_path / "worker", [*topics, "c_asks"])
    assert [r.status for r in summary.results] == ["succeeded", "failed", "failed"]
    _on_a_kernel(notebooks, tmp_path / "kernel", [*topics, "c_asks"])
    # A notebook asking for input fails at once, as on a kernel with no one to answer (the tracebacks differ only
    # in the frames of the kernel's own code).
    asked = [[o for c in json.loads((tmp_path / run / "_executed" / SWALE / "c_asks.ipynb").read_text())["cells"]
              for o in c.get("outputs", []) if o["output_type"] == "error"] for run in ("worker", "kernel")]
    assert [(o[0]["ename"], o[0]["evalue"]) for o in asked] == [
        ("StdinNotImplementedError", "raw_input was called, but this frontend does not support input requests.")] * 2

    for topic in topics:
        worker, kernel = (_same(tmp_path / run / "_executed" / SWALE / f"{topic}.ipynb", tmp_path / run)
                          for run in ("worker", "kernel"))
        assert worker == kernel, list(_differences(worker, kernel))[:10]
    shown = json.loads((tmp_path / "worker" / "_executed" / SWALE / "a_shows.ipynb").read_text())["cells"][2]
    kinds = [(o["output_type"], o.get("name", "")) for o in shown["outputs"]]
    assert kinds == [("stream", "stdout"), ("display_data", ""), ("stream", "stderr"), ("display_data", ""),
                     ("display_data", ""), ("stream", "stderr"), ("display_data", ""), ("execute_result", ""),
                     ("display_data", "")]  # the figure, drawn by the inline backend at the cell's end
    assert "image/png" in shown["outputs"][-1]["data"]
    spaced = json.loads((tmp_path / "worker" / "_executed" / SWALE / "a_shows.ipynb").read_text())["cells"][-1]
    assert ["".join(o["text"]) for o in spaced["outputs"]] == ["a\n", "b\n"]
    cells = json.loads((tmp_path / "worker" / "_executed" / SWALE / "b_broken.ipynb").read_text())["cells"]
    error = [o for cell in cells for o in cell.get("outputs", []) if o["output_type"] == "error"]
    assert len(error) == 1 and error[0]["ename"] == "ValueError" and "broken()" in "".join(error[0]["traceback"])
    worker_page, kernel_page = (_page(tmp_path / run / SWALE / "a_shows.html") for run in ("worker", "kernel"))
    assert worker_page == kernel_page


@pytest.mark.slow
def test_a_real_page_made_in_the_worker_is_the_page_a_kernel_makes(tmp_path):
    notebooks = (ROOT / "notebooks").resolve()
    _run(notebooks, tmp_path / "worker", ["nutrition"])
    _on_a_kernel(notebooks, tmp_path / "kernel", ["nutrition"])
    worker, kernel = (_same(tmp_path / run / "_executed" / SWALE / "nutrition.ipynb", tmp_path / run)
                      for run in ("worker", "kernel"))
    assert worker == kernel, list(_differences(worker, kernel))[:10]
    assert _page(tmp_path / "worker" / SWALE / "nutrition.html") == _page(tmp_path / "kernel" / SWALE / "nutrition.html")
    tables = sorted(p.relative_to(tmp_path / "kernel" / SWALE) for p in (tmp_path / "kernel" / SWALE / "nutrition").iterdir())
    assert tables
    for name in tables:  # the maps' elements have random ids
        worker_file, kernel_file = ((tmp_path / run / SWALE / name).read_text() for run in ("worker", "kernel"))
        assert re.sub(r"[0-9a-f]{32}", "ID", worker_file) == re.sub(r"[0-9a-f]{32}", "ID", kernel_file), name


def test_each_notebook_in_a_worker_starts_as_in_a_new_kernel(tmp_path):
    from test_warm import DIRTY, PROBE

    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "a_probe", PROBE)
    _notebook(notebooks, "b_dirty", DIRTY)
    _notebook(notebooks, "c_probe", PROBE)
    _notebook(notebooks, "d_pid", PID)
    _notebook(notebooks, "e_pid", PID)
    (notebooks / "helper.py").write_text("VALUE = 1\n")
    out = tmp_path / "out"
    summary = _run(notebooks, out, ["a_probe", "b_dirty", "c_probe", "d_pid", "e_pid"])
    assert {r.status for r in summary.results} == {"succeeded"}, [r.error for r in summary.results]
    first, after = json.loads(_printed(out, "a_probe")), json.loads(_printed(out, "c_probe"))
    assert first == after  # the dirty notebook in between left nothing behind
    assert after["leaked"] is False and after["figures"] == [] and after["linewidth"] == 1.5
    assert after["cwd"] == str(notebooks) and after["string_storage"] == "python"
    assert after["backend"] == "module://matplotlib_inline.backend_inline" and after["png_for_figures"] is True
    assert (after["env"], after["nowhere"], after["svg_for_figures"]) == (False,) * 3
    assert _printed(out, "d_pid") == _printed(out, "e_pid")  # one worker ran them all
    assert (out / SWALE / "a_probe.html").exists()  # written in the run's folder, not where the notebook went


def test_after_a_failure_the_next_notebook_runs_in_a_new_worker(tmp_path):
    notebooks = tmp_path / "notebooks"
    for name in ("a_pid", "b_pid", "d_pid", "f_pid"):
        _notebook(notebooks, name, PID)
    _notebook(notebooks, "c_broken", BROKEN)
    _notebook(notebooks, "e_exits", "exit()", "print('after exit')")  # a kernel would shut down after exit()
    out = tmp_path / "out"
    summary = _run(notebooks, out, ["a_pid", "b_pid", "c_broken", "d_pid", "e_exits", "f_pid"])
    assert [r.status for r in summary.results] == ["succeeded", "succeeded", "failed", "succeeded", "failed",
                                                   "succeeded"]
    assert "Kernel died" in summary.results[4].error
    assert _printed(out, "a_pid") == _printed(out, "b_pid") != _printed(out, "d_pid") != _printed(out, "f_pid")


def test_a_notebook_that_ignores_the_stop_signal_is_stopped_with_its_worker(tmp_path, monkeypatch):
    monkeypatch.setattr(pool, "OVERDUE_GRACE", 2.0)
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "stuck", "import signal, time\nsignal.signal(signal.SIGALRM, signal.SIG_IGN)\n"
                                  "if area_code == 'E07000113':\n    time.sleep(60)")
    started = time.perf_counter()
    summary = _run(notebooks, tmp_path / "out", ["stuck"], names=("Swale", "Thanet"), timeout=2)
    assert time.perf_counter() - started < 50
    by_area = {r.area_name: r for r in summary.results}
    assert by_area["Swale"].status == "failed"
    assert "longer than 2 s (--timeout) and did not stop when asked" in by_area["Swale"].error
    assert by_area["Thanet"].status == "succeeded"


def test_a_worker_is_replaced_after_a_failure_its_last_notebook_or_past_its_memory():
    kernel = InProcessKernel(recycle_after=3, max_rss_mb=2000)
    try:
        assert not kernel.worn
        kernel.rss_mb = 2001
        assert kernel.worn
        kernel.rss_mb, kernel.executed = 100, 3
        assert kernel.worn
        kernel.executed, kernel.failed = 0, True
        assert kernel.worn
    finally:
        kernel.close()
