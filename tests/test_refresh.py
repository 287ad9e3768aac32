"""Fine-grained reruns (issue 28): a notebook reruns when an input it read changed, and only then.

Each executed notebook's reads are recorded by the store as it runs and written into the run record with their
fingerprints; the next run compares them with the store. The tests change a copy of the store (never the real one).
"""

from __future__ import annotations

import json
import shutil

import pandas as pd
import pytest

from nbutils import areas, runner, store, store_state
from nbutils.runner.inputs import InputState
from conftest import write_notebook

pytestmark = pytest.mark.usefixtures("store_ready")

#: What each fixture topic reads: one indicator each (neither disclosure-controlled, so nothing else is read).
READS = {"alpha": "imd_la_average_score", "beta": "census_household_tenure"}
#: Read by neither topic.
UNREAD = "aps_adult_smoking"


def _reader(indicator_id: str) -> str:
    return ("from nbutils import store\n"
            f"rows = store.indicator_data({indicator_id!r}, area_codes=[area_code])\n"
            "import pathlib\nfolder = pathlib.Path(output_dir) / 'tiny'\nfolder.mkdir(exist_ok=True)\n"
            "(folder / 'rows.csv').write_text(str(len(rows)))")


@pytest.fixture()
def store_copy(tmp_path, monkeypatch):
    """A copy of the built store that the test may change (NBUTILS_STORE, seen by the workers too)."""
    copy = tmp_path / "store"
    shutil.copytree(store.ensure(), copy)
    monkeypatch.setenv("NBUTILS_STORE", str(copy))
    return copy


def _change_indicator(folder, indicator_id: str) -> None:
    """Change one value of an indicator in the store copy, as `nbutils data fetch` and a rebuild would, and
    record the file's new sha256 in the build record (so the store stays current)."""
    path = folder / "indicators" / f"{indicator_id}.parquet"
    frame = pd.read_parquet(path)
    frame.loc[frame.index[0], "value"] = float(frame["value"].iloc[0] or 0) + 1.0
    frame.to_parquet(path, index=False)
    record = json.loads((folder / store_state.BUILD_RECORD).read_text())
    record["files"][f"indicators/{indicator_id}.parquet"] = store_state.sha256(path)
    (folder / store_state.BUILD_RECORD).write_text(json.dumps(record, indent=1))
    store._clear_caches()  # noqa: SLF001 - this process read the old rows


def _run(notebooks, out):
    places = [areas.resolve("Swale"), areas.resolve("Thanet")]
    return runner.run(places, ["alpha", "beta"], out, jobs=2, notebooks=notebooks,
                      progress=runner.PlainProgress(lambda _: None))


@pytest.mark.slow
def test_an_indicator_change_reruns_exactly_the_topics_that_read_it(tmp_path, store_copy):
    notebooks, out = tmp_path / "notebooks", tmp_path / "out"
    for topic, indicator_id in READS.items():
        write_notebook(notebooks / f"{topic}.ipynb", _reader(indicator_id))

    first = _run(notebooks, out)
    assert [r.status for r in first.results] == ["succeeded"] * 4
    assert {r.reason for r in first.results} == {"new notebook"}
    runs = json.loads((out / "manifest.json").read_text())["runs"]
    # Recorded as read, by the store, with the file's sha256 from the build record; nothing declared by hand.
    files = json.loads((store_copy / store_state.BUILD_RECORD).read_text())["files"]
    for record in runs:
        indicator_id = READS[record["topic"]]
        assert record["reads"] == {f"indicator:{indicator_id}": files[f"indicators/{indicator_id}.parquet"],
                                   "table:registry": files["registry.json"]}

    _change_indicator(store_copy, UNREAD)  # read by no topic: nothing reruns
    second = _run(notebooks, out)
    assert second.results == [] and len(second.skipped) == 4

    _change_indicator(store_copy, READS["alpha"])  # read by alpha: alpha reruns for every area, beta for none
    third = _run(notebooks, out)
    assert sorted((r.area_name, r.topic) for r in third.results) == [("Swale", "alpha"), ("Thanet", "alpha")]
    assert {r.reason for r in third.results} == {"indicator imd_la_average_score changed"}
    assert sorted((r.area_name, r.topic) for r in third.skipped) == [("Swale", "beta"), ("Thanet", "beta")]

    fourth = _run(notebooks, out)  # and then all is up to date again
    assert fourth.results == [] and len(fourth.skipped) == 4


def test_reads_are_recorded_by_the_store_and_replayed_by_cached_helpers(store_ready):
    store.take_reads()
    store.indicator_data("imd_la_average_score", area_codes=["E07000113"])
    store.boundaries("lad")
    assert store.take_reads() == ["boundaries:lad", "indicator:imd_la_average_score"]
    # A disclosure-controlled indicator is made from every copy of its statistic, the births and the areas.
    store.indicator_data("fingertips_infant_mortality", area_codes=["E07000113"])
    assert {"indicator:fingertips_infant_mortality", "indicator:ons_mye_young_children",
            "table:areas"} <= set(store.take_reads())

    @store.per_build()
    def cached_count(indicator_id):
        return len(store.indicator_data(indicator_id))

    assert cached_count("census_household_tenure") == cached_count("census_household_tenure")
    store.take_reads()
    cached_count("census_household_tenure")  # a cache hit still counts as a read of what the result is made of
    assert store.take_reads() == ["indicator:census_household_tenure"]


def test_local_data_are_fingerprinted_per_area_and_a_new_dataset_is_named(tmp_path, monkeypatch):
    """A dataset added for one area changes that area's local input only, and the reason names it."""
    built = store.ensure()  # its registry maps 2022 district codes to their successors
    home = tmp_path / "project"
    dataset = home / "data" / "local" / "fixture-local-2024-25"
    dataset.mkdir(parents=True)
    monkeypatch.setenv("NBUTILS_HOME", str(home))
    monkeypatch.setenv("NBUTILS_STORE", str(built))
    (dataset / "figures.csv").write_text("indicator,area_code,period,value\nbreastfeeding_6_8_weeks,E07000113,"
                                         "2024/25,40.0\n")
    before = InputState(json.dumps({"files": {}, "local": {}}))
    recorded = {key: before.fingerprint(key) for key in ("local:E07000113", "local:E07000114", "local:*")}
    after = InputState(json.dumps({"files": {}, "local": {"fixture-local-2024-25/figures.csv": "ab" * 32}}))
    assert after.changes({"local:E07000114": recorded["local:E07000114"]}) == []  # Thanet: not its data
    assert after.changes({"local:E07000113": recorded["local:E07000113"]}) == [
        "local dataset fixture-local-2024-25 added"]
    assert after.changes({"local:*": recorded["local:*"]}) == ["local dataset fixture-local-2024-25 added"]
    changed = InputState(json.dumps({"files": {}, "local": {"fixture-local-2024-25/figures.csv": "cd" * 32}}))
    assert changed.changes({"local:E07000113": after.fingerprint("local:E07000113")}) == [
        "local dataset fixture-local-2024-25 changed"]


def test_each_rerun_reason_is_named(tmp_path):
    """The reasons the run summary gives, from the record of the last run and the store now."""
    from nbutils.runner.manifest import rerun_reasons

    state = InputState(json.dumps({"files": {"indicators/satod.parquet": "new", "registry.json": "r"}, "local": {}}))
    done = {"status": "succeeded", "inputs": "code", "outputs": [], "reads": {"indicator:satod": "old",
                                                                               "table:registry": "r"}}
    assert rerun_reasons(None, "code", tmp_path, state) == ["new notebook"]
    assert rerun_reasons({**done, "status": "failed"}, "code", tmp_path, state) == ["failed last time"]
    assert rerun_reasons(done, "other code", tmp_path, state) == ["code or parameters changed"]
    assert rerun_reasons({**done, "reads": None}, "code", tmp_path, state) == ["its inputs were not recorded"]
    assert rerun_reasons(done, "code", tmp_path, state) == ["indicator satod changed"]
    assert rerun_reasons({**done, "reads": {"indicator:gone": "x"}}, "code", tmp_path, state) == [
        "indicator gone removed"]
    assert rerun_reasons({**done, "reads": {"table:registry": "r"}, "outputs": ["x/satod.html"]}, "code", tmp_path,
                         state) == ["outputs missing"]
    assert rerun_reasons({**done, "reads": {"table:registry": "r"}}, "code", tmp_path, state) == []


def test_the_summary_says_why_each_notebook_ran(capsys):
    from nbutils import cli
    from nbutils.runner.batch import RunSummary
    from nbutils.runner.manifest import Result

    ran = [Result("E07000113", "Swale", "E07000113-swale", topic, "succeeded", 1.0, reason=reason)
           for topic, reason in (("alpha", "indicator satod changed"), ("beta", "indicator satod changed"),
                                 ("gamma", "new notebook"))]
    cli._print_summary(RunSummary(ran, [], 3.0), explain=True)  # noqa: SLF001
    lines = capsys.readouterr().out.splitlines()
    assert lines[:3] == ["ran: Swale / alpha: indicator satod changed", "ran: Swale / beta: indicator satod changed",
                         "ran: Swale / gamma: new notebook"]
    cli._print_summary(RunSummary(ran, [], 3.0))  # noqa: SLF001
    assert capsys.readouterr().out.splitlines()[0] == (
        "ran because: indicator satod changed (2); new notebook (1) (--explain for each notebook)")


@pytest.mark.parametrize("setting", ["levers/national.yaml", "kent.yaml", "scale-of-need/kent.yaml"])
def test_a_change_to_any_run_setting_reruns_every_notebook(tmp_path, monkeypatch, setting):
    # Settings are read once per kernel (cached), not recorded per notebook, so each is in every notebook's key:
    # the levers' national inputs and an area set's trusts or neighbours change pages as surely as the code.
    from nbutils import fingerprint, paths

    folder = tmp_path / "parameters"
    shutil.copytree(paths.parameters_dir(), folder)
    monkeypatch.setattr(paths, "parameters_dir", lambda: folder)
    before = fingerprint.parameters_fingerprint()
    assert fingerprint.parameters_fingerprint() == before  # nothing changed, nothing reruns
    with (folder / setting).open("a", encoding="utf-8") as handle:
        handle.write("\n# edited\n")
    assert fingerprint.parameters_fingerprint() != before
