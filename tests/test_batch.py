"""Batch behaviour: incremental reruns, the output lock, timeouts, and the same tasks on a Dask cluster."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from nbutils import areas, runner
from conftest import write_notebook

pytestmark = pytest.mark.usefixtures("store_ready")

ROOT = Path(__file__).resolve().parents[1]


def _notebook(folder, name, *sources):
    write_notebook(folder / f"{name}.ipynb", *sources)


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
    assert time.perf_counter() - started < 55  # it sleeps 60 s: sooner means the limit cut it
    by_area = {r.area_name: r for r in summary.results}
    assert by_area["Swale"].status == "failed" and "longer than 4 s" in by_area["Swale"].error
    assert by_area["Thanet"].status == "succeeded"
    assert not list((tmp_path / "out" / "E07000113-swale").glob(".*"))  # no scratch files left behind


KERNEL_PIDS = WRITE_CSV + "\nprint(os.getpid(), os.getppid())"


def _start_dask(tmp_path, env):
    """A real `dask scheduler` and two `dask worker` processes on this machine (loopback), as the README says."""
    scheduler_file = tmp_path / "scheduler.json"
    scheduler = subprocess.Popen([sys.executable, "-m", "dask", "scheduler", "--host", "127.0.0.1", "--port", "0",
                                  "--no-dashboard", "--scheduler-file", str(scheduler_file)], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    processes = [scheduler]
    until = time.monotonic() + 60
    while not scheduler_file.exists() and time.monotonic() < until:
        time.sleep(0.2)
    address = json.loads(scheduler_file.read_text())["address"]
    for _ in range(2):
        processes.append(subprocess.Popen([sys.executable, "-m", "dask", "worker", address, "--nthreads", "1",
                                           "--no-nanny", "--no-dashboard"], env=env, cwd=ROOT,
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return address, processes


def _stop(processes, grace: float = 30) -> None:
    """Stop processes as a terminal's Ctrl-C or a job scheduler would; any still running after ``grace`` seconds
    is killed and the test fails."""
    for process in processes:
        process.terminate()
    hung = []
    for process in processes:
        try:
            process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            process.kill()
            hung.append(process.args)
    assert not hung, f"did not stop within {grace} s: {hung}"


@pytest.mark.slow
def test_the_same_tasks_run_on_a_real_dask_scheduler_and_two_workers_with_warm_kernels(tiny, store_ready, tmp_path):
    distributed = pytest.importorskip("distributed")
    psutil = pytest.importorskip("psutil")
    notebooks, out = tiny
    for name in ("pids", "pids2"):
        _notebook(notebooks, name, "import os\n" + KERNEL_PIDS)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
           "NBUTILS_STORE": str(store_ready)}
    address, processes = _start_dask(tmp_path, env)
    try:
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        swale, thanet = areas.resolve("Swale"), areas.resolve("Thanet")
        summary = runner.run([swale, thanet], ["pids", "pids2"], out, notebooks=notebooks, scheduler=address,
                             progress=runner.PlainProgress(lambda _: None))
        assert [r.status for r in summary.results] == ["succeeded"] * 4, [r.error for r in summary.results]
        assert (out / "E07000114-thanet" / "tiny" / "value.csv").read_text() == "area_code\nE07000114\n"
        assert 'href="E07000113-swale/pids.html"' in (out / "index.html").read_text()
        kernels = {}
        for folder in ("E07000113-swale", "E07000114-thanet"):
            for topic in ("pids", "pids2"):
                executed = nbformat.read(out / "_executed" / folder / f"{topic}.ipynb", as_version=4)
                pid, parent = map(int, executed.cells[-1].outputs[0]["text"].split())
                kernels[pid] = parent
        workers = {p.pid for p in processes[1:]}
        assert set(kernels.values()) <= workers  # each kernel belongs to a dask worker process
        assert len(kernels) <= 2  # four notebooks, at most one (warm) kernel per worker
        living = [psutil.Process(pid) for pid in kernels]
    finally:
        _stop(processes[1:])  # the workers first, while their scheduler is still there to say goodbye to
        _stop(processes[:1])
    # The workers' warm kernels go with them.
    until = time.monotonic() + 15
    while any(p.is_running() and p.status() != psutil.STATUS_ZOMBIE for p in living) and time.monotonic() < until:
        time.sleep(0.3)
    assert not [p.pid for p in living if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def test_unreachable_scheduler_is_a_clear_error(tiny):
    notebooks, out = tiny
    with pytest.raises(runner.WorkbookError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:9"):
        _run(notebooks, out, scheduler="tcp://127.0.0.1:9")


def _record(area, topic, status="succeeded", error=None):
    return {"area_code": area.code, "area_name": area.name, "folder": area.folder, "topic": topic, "status": status,
            "seconds": 1.0, "outputs": [], "error": error, "executed": None, "inputs": None}


def _fixture_index(folder: Path) -> str:
    """The index for a fixture run record: six areas in three regions, one failed notebook."""
    from nbutils import site

    names = ["Swale", "Dover", "Medway", "Westminster", "Kent County Council", "Coventry"]
    swale, dover, medway, westminster, kent, coventry = (areas.resolve(n) for n in names)
    runs = [_record(a, t) for a in (swale, dover, medway, westminster, kent, coventry) for t in ("overview", "sudi")]
    runs[3] = _record(dover, "sudi", "failed", "ValueError: no births for E07000108")
    (folder / "manifest.json").write_text(json.dumps({"generated": "2026-01-01T00:00:00+00:00",
                                                      "nbutils_version": "0", "runs": runs}))
    site.write_index(folder)
    return (folder / "index.html").read_text()


def test_the_index_lists_failures_first_then_areas_by_region_and_county(tmp_path):
    page = _fixture_index(tmp_path)

    failures, areas_part = page.index("Failed notebooks (1)"), page.index("<h2 class='nbu-region'>")
    assert failures < areas_part and page.index("ValueError: no births for E07000108") < areas_part
    # Regions in order, each with its groups: Kent (the county first, then its districts), unitaries, boroughs.
    assert [page.index(f"<h2 class='nbu-region'>{r}</h2>") for r in ("London", "South East", "West Midlands")] == \
        sorted(page.index(f"<h2 class='nbu-region'>{r}</h2>") for r in ("London", "South East", "West Midlands"))
    kent_group = page[page.index("<h3>Kent</h3>"):page.index("<h3>Unitary authorities</h3>")]
    assert kent_group.index(">Kent</a> <small>E10000016") < kent_group.index(">Dover</a>") < kent_group.index(">Swale</a>")
    assert ">Medway</a>" in page[page.index("<h3>Unitary authorities</h3>"):]
    assert "<h3>London boroughs</h3>" in page and "<h3>Metropolitan boroughs</h3>" in page
    assert "data-search='swale e07000113 kent south east'" in page
    # Only failures are flagged; the filter box is there, with its script inline (no network needed).
    assert "ready" not in page and "✓" not in page and page.count("✗ failed") == 1
    assert "id='nbu-filter-box'" in page and "<script>" in page and "<script src" not in page
    assert 'href="E07000113-swale/sudi.html"' in page and 'href="E07000108-dover/sudi.html"' not in page


@pytest.mark.slow
def test_the_index_filter_box_works_offline(tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        if os.environ.get("CI"):
            pytest.fail("Chromium is not installed: .ci/run installs the Debian package 'chromium'")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    _fixture_index(tmp_path)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_context(offline=True).new_page()
        errors = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto((tmp_path / "index.html").as_uri())
        rows = page.locator("tr.nbu-area:visible")
        assert rows.count() == 6 and page.locator("#nbu-filter-box").is_visible()
        page.fill("#nbu-filter-box", "kent")  # the county and its districts
        assert rows.count() == 3 and page.locator("h3:visible").all_inner_texts() == ["Kent"]
        page.fill("#nbu-filter-box", "west midlands")
        assert rows.count() == 1 and rows.first.inner_text().startswith("Coventry")
        assert page.locator("#nbu-filter-count").inner_text() == "1 area matches"
        page.fill("#nbu-filter-box", "")
        assert rows.count() == 6 and errors == []
        browser.close()


def test_an_unpublished_headline_on_the_index_is_its_marker_without_a_unit(tmp_path):
    from nbutils import site

    folder = tmp_path / "E07000032-amber-valley" / "overview"
    folder.mkdir(parents=True)
    (folder / "headlines.csv").write_text(
        "indicator,value,unit,period,value_geography,comparison\n"  # a fixture of the overview's headlines.csv
        "Obesity in Year 6 (age 10-11),22.7,%,2024/25,,Similar\n"
        "Smoking at time of delivery,[x],%,2023/24,,No value\n")
    shown = site.headlines(tmp_path, "E07000032-amber-valley")
    assert "<strong>22.7%</strong>" in shown and "<strong>[x]</strong>" in shown and "[x]%" not in shown
