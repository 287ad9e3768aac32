"""Batch behaviour: incremental reruns, the output lock, timeouts, and the same tasks on a Dask cluster."""

from __future__ import annotations

import json
import time

import nbformat
import pytest

from nbutils import areas, runner

pytestmark = pytest.mark.usefixtures("store_ready")


def _notebook(folder, name, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell('area_code = "E07000113"\noutput_dir = None',
                                          metadata={"tags": ["parameters"]})]
    nb.cells += [nbformat.v4.new_code_cell(s) for s in sources]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / f"{name}.ipynb")


WRITE_CSV = ("import pathlib\nfolder = pathlib.Path(output_dir) / 'tiny'\nfolder.mkdir(exist_ok=True)\n"
             "(folder / 'value.csv').write_text('area_code\\n' + area_code + '\\n')")


@pytest.fixture()
def tiny(tmp_path):
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "tiny", WRITE_CSV)
    return notebooks, tmp_path / "out"


def _run(notebooks, out, topic="tiny", **kwargs):
    swale, thanet = areas.resolve("Swale"), areas.resolve("Thanet")
    return runner.run([swale, thanet], [topic], out, notebooks=notebooks, progress=runner.PlainProgress(lambda _: None),
                      **kwargs)


def test_rerun_skips_unchanged_work_and_reruns_what_changed(tiny):
    notebooks, out = tiny
    first = _run(notebooks, out, jobs=2)
    assert [r.status for r in first.results] == ["succeeded", "succeeded"] and not first.skipped

    second = _run(notebooks, out, jobs=2)
    assert not second.results and len(second.skipped) == 2  # nothing changed: nothing runs

    (out / "E07000114-thanet" / "tiny.html").unlink()  # a missing output makes that one task stale
    third = _run(notebooks, out, jobs=2)
    assert [r.area_name for r in third.results] == ["Thanet"] and len(third.skipped) == 1

    _notebook(notebooks, "tiny", WRITE_CSV, "print('changed')")  # a changed notebook reruns everywhere
    assert len(_run(notebooks, out, jobs=2).results) == 2

    assert len(_run(notebooks, out, jobs=2, force=True).results) == 2  # --force reruns regardless

    manifest = json.loads((out / "manifest.json").read_text())
    assert {r["status"] for r in manifest["runs"]} == {"succeeded"}
    assert all(len(r["inputs"]) == 64 for r in manifest["runs"])
    assert (out / "E07000113-swale" / "tiny" / "value.csv").read_text() == "area_code\nE07000113\n"


def test_a_second_run_into_the_same_folder_is_refused(tiny):
    notebooks, out = tiny
    out.mkdir(parents=True)
    with runner.output_lock(out):
        with pytest.raises(runner.OutputBusyError, match=f"another nbutils run \\(pid \\d+\\) is writing to {out}"):
            _run(notebooks, out)
    assert len(_run(notebooks, out).results) == 2  # the lock is released afterwards


def test_a_notebook_over_its_time_limit_fails_and_the_batch_goes_on(tmp_path):
    notebooks = tmp_path / "notebooks"
    _notebook(notebooks, "slow", "import time\nif area_code == 'E07000113':\n    time.sleep(60)")
    started = time.perf_counter()
    summary = _run(notebooks, tmp_path / "out", topic="slow", jobs=1, timeout=4)
    assert time.perf_counter() - started < 40
    by_area = {r.area_name: r for r in summary.results}
    assert by_area["Swale"].status == "failed" and "longer than 4 s" in by_area["Swale"].error
    assert by_area["Thanet"].status == "succeeded"
    assert not list((tmp_path / "out" / "E07000113-swale").glob(".*"))  # no scratch files left behind


@pytest.mark.slow
def test_the_same_tasks_run_on_a_dask_cluster(tiny):
    distributed = pytest.importorskip("distributed")
    notebooks, out = tiny
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = _run(notebooks, out, scheduler=cluster.scheduler_address)
    assert sorted(r.status for r in summary.results) == ["succeeded", "succeeded"]
    assert (out / "E07000114-thanet" / "tiny" / "value.csv").read_text() == "area_code\nE07000114\n"
    assert (out / "index.html").exists()


def test_unreachable_scheduler_is_a_clear_error(tiny):
    notebooks, out = tiny
    with pytest.raises(runner.WorkbookError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        _run(notebooks, out, scheduler="tcp://127.0.0.1:9")
