"""Faults a run recovers from (issue 26): a lost worker, damaged or hostile run records, unwritable area folders,
stale outputs of a failed topic, bad options and data files, and what killed runs and builds leave behind.

Like tests/test_faults.py: a project copy (NBUTILS_HOME) with tiny fixture notebooks and the session's store. Tests
that run notebooks are marked slow.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from conftest import run_cli, write_notebook

SWALE, THANET = "E07000113-swale", "E07000114-thanet"
TINY = ("import pathlib\nfolder = pathlib.Path(output_dir) / 'tiny'\nfolder.mkdir(exist_ok=True)\n"
        "(folder / 'value.csv').write_text('area_code\\n' + area_code + '\\n')")
# Kills the worker process that runs it (notebooks run in their worker), as the out-of-memory killer does, for
# Thanet only.
FRAGILE = ("import os, signal, time\nif area_code == 'E07000114':\n    os.kill(os.getpid(), signal.SIGKILL)\n"
           "    time.sleep(30)\n" + TINY.replace("'tiny'", "'fragile'"))
# Writes its table, then fails when NBU_TEST_BREAK is set (a notebook that broke after an earlier success).
FLAKY = (TINY.replace("'tiny'", "'flaky'")
         + "\nimport os\nif os.environ.get('NBU_TEST_BREAK'):\n    raise RuntimeError('broken now')")


@pytest.fixture()
def project(project_copy, store_ready):
    for name, source in (("tiny", TINY), ("fragile", FRAGILE), ("flaky", FLAKY)):
        write_notebook(project_copy / "notebooks" / f"{name}.ipynb", source)
    return project_copy, {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(store_ready)}


def _one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    return lines[0]


def _runs(out: Path) -> dict[tuple[str, str], dict]:
    return {(r["area_code"], r["topic"]): r for r in json.loads((out / "manifest.json").read_text())["runs"]}


# ------------------------------------------------------------------------------------------- 1. a lost worker


@pytest.mark.slow
def test_a_killed_worker_fails_only_its_notebook_and_the_run_goes_on(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    result = run_cli("run", "Swale", "Thanet", "Dover", "Medway", "--topics", "fragile", "--jobs", "2",
                     "--out", str(out), env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "BrokenProcessPool" not in result.stdout + result.stderr
    assert ("FAILED Thanet / fragile (" in result.stdout and "the worker process running this notebook was killed "
            "by signal 9 (SIGKILL)" in result.stdout)
    assert "3 succeeded, 1 failed, 0 skipped" in result.stdout
    runs = _runs(out)
    assert {code: r["status"] for (code, _), r in runs.items()} == {
        "E07000113": "succeeded", "E07000114": "failed", "E07000108": "succeeded", "E06000035": "succeeded"}
    assert "killed by signal 9" in runs[("E07000114", "fragile")]["error"]
    for folder in (SWALE, "E07000108-dover", "E06000035-medway"):
        assert (out / folder / "fragile.html").exists() and (out / folder / "fragile" / "value.csv").exists()
    assert not (out / THANET / "fragile.html").exists()
    assert "killed by signal 9" in (out / "index.html").read_text()


# ------------------------------------------------------------------------------------------- 5. run records


def _record(**changes) -> dict:
    record = {"area_code": "E07000113", "area_name": "Swale", "folder": SWALE, "topic": "tiny",
              "status": "succeeded", "seconds": 1.0, "outputs": [f"{SWALE}/tiny.html"], "error": None,
              "executed": f"_executed/{SWALE}/tiny.ipynb", "inputs": "x", "finished": "2026-12-01T00:00:00+00:00"}
    return {**record, **changes}


def _write_runs(out: Path, runs: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps({"generated": "2026-12-01T00:00:00+00:00",
                                                   "nbutils_version": "0", "runs": runs}))


@pytest.mark.parametrize("changes, field", [
    ({"outputs": None}, "outputs"),
    ({"area_name": 5}, "area_name"),
    ({"folder": "../evil"}, "folder"),
    ({"area_code": "<script>alert(1)</script>", "folder": SWALE}, "area_code"),
    ({"outputs": ["../../outside.html"]}, "not inside the area folder"),
    ({"executed": "/etc/passwd"}, "not where executed notebooks are kept"),
    ({"status": "pending"}, "status"),
    ({"seconds": float("nan")}, "seconds"),
])
def test_an_invalid_record_is_named_and_rebuilt_from_the_folders(tmp_path, changes, field):
    from nbutils.runner.manifest import check_runs, repair_manifest

    out = tmp_path / "out"
    (out / SWALE).mkdir(parents=True)
    (out / SWALE / "tiny.html").write_text("<p>page</p>")
    _write_runs(out, [_record(**changes), _record(area_code="E07000114", area_name="Thanet", folder=THANET,
                                                  outputs=[], executed=None)])
    runs, problems = check_runs(out)
    assert len(problems) == 1 and problems[0].startswith("record 1: ") and field in problems[0]
    # The bad record is replaced by what the folders show; the good one is kept as it was.
    assert sorted((r["area_code"], r["status"], r["inputs"]) for r in runs) == [
        ("E07000113", "succeeded", None), ("E07000114", "succeeded", "x")]
    note = repair_manifest(out)
    assert "had 1 invalid record(s) (record 1: " in note and "rebuilt them from the area folders" in note
    assert check_runs(out)[1] == []  # the file now holds valid records only


def test_a_hostile_record_never_writes_outside_the_output_folder_nor_reaches_the_index(tmp_path):
    from nbutils import site
    from nbutils.runner.manifest import repair_manifest

    out = tmp_path / "out"
    evil = _record(folder="../evil", area_name="<b>x</b>", outputs=[])
    script = _record(area_code="<script>alert(1)</script>", outputs=[])
    _write_runs(out, [evil, script])
    repair_manifest(out)
    site.write_index(out)  # what the runner does next
    assert not (tmp_path / "evil").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]
    index = (out / "index.html").read_text() if (out / "index.html").exists() else ""
    assert "<script>alert" not in index and "../evil" not in index


@pytest.mark.slow
def test_a_run_over_damaged_records_repairs_them_and_succeeds(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    first = run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    manifest = json.loads((out / "manifest.json").read_text())
    manifest["runs"][0]["outputs"] = None
    manifest["runs"].append(_record(folder="../evil", area_code="E07000114", area_name=7))
    manifest["runs"].append(_record(area_code="<script>x</script>", folder=THANET, outputs=[]))
    (out / "manifest.json").write_text(json.dumps(manifest))
    again = run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env)
    assert again.returncode == 0 and not again.stderr.strip(), again.stdout + again.stderr
    assert "had 3 invalid record(s)" in again.stdout and "1 succeeded, 0 failed" in again.stdout
    assert not (tmp_path / "evil").exists() and "<script>x" not in (out / "index.html").read_text()
    assert list(_runs(out)) == [("E07000113", "tiny")]


# ------------------------------------------------------------------------------------------- 4. bad inputs


@pytest.mark.parametrize("args, fragment", [
    (["--timeout", "99999999999"], "--timeout 99999999999: at most 604800 seconds (a week)"),
    (["--scheduler", "tcp://127.0.0.1:99999"], "--scheduler tcp://127.0.0.1:99999: expected an address like "
                                               "tcp://host:8786 (a port from 1 to 65535)"),
    (["--scheduler", "http://example.org:8786"], "expected an address like tcp://host:8786"),
])
def test_out_of_range_run_options_exit_2_with_one_line(project, tmp_path, args, fragment):
    _, env = project
    result = run_cli("run", "Swale", "--topics", "tiny", "--out", str(tmp_path / "out"), *args, env=env)
    assert result.returncode == 2, result.stdout + result.stderr
    assert fragment in _one_line(result.stderr)
    assert not (tmp_path / "out").exists()


def test_a_date_that_does_not_exist_in_a_local_source_is_one_line_for_every_command(project, tmp_path):
    home, env = project
    source = next((home / "data" / "local").glob("*/source.yaml"))
    text = source.read_text()
    line = next(i for i, l in enumerate(text.splitlines(), start=1) if l.startswith("published:"))
    source.write_text(text.replace(text.splitlines()[line - 1], "published: 2024-31-07"))
    env = {**env, "NBUTILS_STORE": str(tmp_path / "store")}
    for args in (["data", "local"], ["data", "build"], ["run", "Swale", "--topics", "tiny", "--out",
                                                        str(tmp_path / "out")]):
        result = run_cli(*args, env=env)
        assert result.returncode == 2, (args, result.stdout + result.stderr)
        assert _one_line(result.stderr) == (f"nbutils: error: {source}, line {line}: 2024-31-07 is not a date (month "
                                            "must be in 1..12); write it as YYYY-MM-DD, e.g. 2024-07-31")


def test_a_truncated_raw_archive_with_its_hash_updated_is_named(project, tmp_path):
    home, env = project
    manifest_path = home / "data" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    entry = next(e for e in manifest["files"] if e["path"].endswith(".csv.gz"))
    raw = home / "data" / entry["path"]
    raw.write_bytes(raw.read_bytes()[: raw.stat().st_size // 2])
    entry["sha256"] = hashlib.sha256(raw.read_bytes()).hexdigest()  # someone "fixed" the hash
    manifest_path.write_text(json.dumps(manifest))
    env = {**env, "NBUTILS_STORE": str(tmp_path / "store")}
    for args in (["data", "build"], ["run", "Swale", "--topics", "tiny", "--out", str(tmp_path / "out")]):
        result = run_cli(*args, env=env)
        assert result.returncode == 2, (args, result.stdout + result.stderr)
        line = _one_line(result.stderr)
        assert line.startswith(f"nbutils: error: {raw}: the compressed file is damaged or cut short (")
        assert f"git checkout -- data/{entry['path']}" in line
    assert not (tmp_path / "store").exists()


# ------------------------------------------------------------------------------------------- 6, 7. folders


@contextlib.contextmanager
def _read_only(folder: Path):
    """Make ``folder`` unwritable, also for root (immutable attribute); skip where neither way works."""
    folder.mkdir(parents=True, exist_ok=True)
    folder.chmod(0o555)
    immutable = False
    if os.access(folder, os.W_OK):  # root ignores the mode
        immutable = subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode == 0 \
            if shutil.which("chattr") else False
        if not immutable:
            folder.chmod(0o755)
            pytest.skip("cannot make a folder read-only here")
    try:
        yield folder
    finally:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)


@pytest.mark.slow
def test_a_read_only_area_folder_fails_its_notebooks_and_the_run_ends_with_its_summary(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    with _read_only(out / THANET):
        result = run_cli("run", "Thanet", "Swale", "--topics", "tiny", "--out", str(out), "--jobs", "1", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and not result.stderr.strip(), result.stderr
    assert "FAILED Thanet / tiny" in result.stdout and "ok     Swale / tiny" in result.stdout
    assert "1 succeeded, 1 failed, 0 skipped" in result.stdout
    assert f"note: could not write {out / THANET / 'index.html'}" in result.stdout
    assert (out / SWALE / "tiny.html").exists() and (out / SWALE / "index.html").exists()
    assert _runs(out)[("E07000114", "tiny")]["status"] == "failed"


@pytest.mark.slow
def test_an_area_folder_replaced_by_a_file_fails_that_area_and_the_run_goes_on(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    out.mkdir()
    (out / THANET).write_text("not a folder")  # the folder vanished, and something else took its name
    result = run_cli("run", "Thanet", "Swale", "--topics", "tiny", "--out", str(out), "--jobs", "1", env=env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert not result.stderr.strip(), result.stderr
    failed = next(line for line in result.stdout.splitlines() if "FAILED Thanet / tiny" in line)
    assert failed.endswith(f"s): cannot write the area folder {out / THANET} (File exists): check that it is a folder "
                           "this user may write to")
    assert "ok     Swale / tiny" in result.stdout and "1 succeeded, 1 failed, 0 skipped" in result.stdout
    assert (out / SWALE / "tiny.html").exists() and (out / THANET).read_text() == "not a folder"


@pytest.mark.slow
def test_deleted_area_pages_are_recreated_by_the_next_run(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    assert run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env).returncode == 0
    (out / SWALE / "index.html").unlink()
    again = run_cli("run", "Swale", "--topics", "tiny", "--out", str(out), env=env)
    assert again.returncode == 0 and "1 notebook(s) up to date, skipped" in again.stdout, again.stdout
    assert "tiny.html" in (out / SWALE / "index.html").read_text()


@pytest.mark.slow
def test_a_topic_that_fails_after_an_earlier_success_leaves_nothing_stale_in_the_pack(project, tmp_path):
    _, env = project
    out = tmp_path / "out"
    assert run_cli("run", "Swale", "--topics", "flaky", "--out", str(out), env=env).returncode == 0
    assert (out / SWALE / "flaky" / "value.csv").exists() and (out / SWALE / "flaky.html").exists()
    broken = run_cli("run", "Swale", "--topics", "flaky", "--out", str(out), "--force",
                     env={**env, "NBU_TEST_BREAK": "1"})
    assert broken.returncode == 1 and "FAILED Swale / flaky" in broken.stdout, broken.stdout + broken.stderr
    assert not (out / SWALE / "flaky").exists() and not (out / SWALE / "flaky.html").exists()
    assert (out / "_executed" / SWALE / "flaky" / "value.csv").exists()  # kept for debugging, not circulated
    assert _runs(out)[("E07000113", "flaky")]["outputs"] == []
    assert "not available" in (out / SWALE / "index.html").read_text()
    assert "✗ failed" in (out / "index.html").read_text()


# ------------------------------------------------------------------------------------------- 9. leftovers


def test_a_killed_store_build_is_cleaned_at_the_next_start(store_ready, tmp_path):
    from nbutils import locks, store_state

    store = tmp_path / "store"
    shutil.copytree(store_ready, store)
    staging = tmp_path / ".store-build-abc123"
    (staging / "indicators").mkdir(parents=True)
    (staging / "indicators" / "satod.parquet").write_bytes(b"half")
    old = tmp_path / ".store-old-4242"
    old.mkdir()
    with locks.exclusive(tmp_path / ".store.lock"):  # a build running in another process: its folder stays
        holder = subprocess.run([os.sys.executable, "-c", "from nbutils import store_state; from pathlib import "
                                 f"Path; print(store_state.remove_build_leftovers(Path({str(store)!r})))"],
                                capture_output=True, text=True, env={**os.environ})
    assert holder.stdout.strip() == "0" and staging.exists()
    assert store_state.remove_build_leftovers(store) == 2
    assert not staging.exists() and not old.exists() and store.exists()


def _kernel_set(folder: Path, name: str, age: float) -> list[Path]:
    files = [folder / f"{name}-{port}" for port in range(1, 6)] + [folder / f"{name}.json"]
    for path in files:
        path.write_text("{}")
        os.utime(path, (time.time() - age, time.time() - age))
    return files


def test_files_of_killed_kernels_are_removed_and_live_or_new_ones_kept(tmp_path):
    from nbutils.runner import leftovers

    dead = _kernel_set(tmp_path, "nbu-0123456789abcdef", 3600)
    new = _kernel_set(tmp_path, "nbu-fedcba9876543210", 0)  # a kernel that may be starting right now
    live = tmp_path / "nbu-00000000000000aa-1"
    bound = socket.socket(socket.AF_UNIX)
    try:
        bound.bind(str(live))  # a running kernel's socket
        os.utime(live, (time.time() - 3600, time.time() - 3600), follow_symlinks=False)
        other = tmp_path / "notes.json"
        other.write_text("{}")
        removed = leftovers.remove_kernel_leftovers(tmp_path)
    finally:
        bound.close()
    if leftovers._bound_sockets() is None:  # pragma: no cover - not Linux: only day-old sets go
        pytest.skip("no /proc here")
    assert removed == len(dead) and not any(p.exists() for p in dead)
    assert all(p.exists() for p in new) and live.exists() and other.exists()


def test_kernel_files_are_named_for_the_cleanup(monkeypatch):
    from nbutils.runner import leftovers
    from nbutils.runner.kernels import CurrentPythonKernelManager

    manager = CurrentPythonKernelManager(kernel_name="python3")
    assert leftovers.KERNEL_FILE.fullmatch(Path(manager.connection_file).name)
    assert Path(manager.connection_file).parent == Path(manager.ip).parent
