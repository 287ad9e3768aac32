"""The command line contract: exit codes, one clear message on bad input, no tracebacks."""

from __future__ import annotations

import pytest

from conftest import run_cli

pytestmark = pytest.mark.usefixtures("store_ready")


def _assert_clean_error(result, *fragments):
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


def test_unknown_code_exits_2():
    _assert_clean_error(run_cli("run", "E99999999"), "E99999999 is not a current English district")


def test_typo_exits_2_and_suggests_swale():
    _assert_clean_error(run_cli("run", "Swael"), "did you mean Swale")


def test_unknown_topic_exits_2():
    _assert_clean_error(run_cli("run", "Swale", "--topics", "astrology"), "unknown topic astrology", "ethnicity")


def test_malformed_area_set_exits_2(project_copy):
    (project_copy / "parameters" / "broken.yaml").write_text("name: Broken\nareas: [Swale, Thanet\n")
    result = run_cli("run", "broken", env={"NBUTILS_HOME": str(project_copy)})
    _assert_clean_error(result, "broken.yaml is not valid YAML")


def test_missing_raw_file_exits_2_naming_it(project_copy, tmp_path):
    (project_copy / "data" / "raw" / "census2021-ts021-msoa-nomis" / "census2021-ts021-msoa.csv.gz").unlink()
    env = {"NBUTILS_HOME": str(project_copy), "NBUTILS_STORE": str(tmp_path / "store")}
    _assert_clean_error(run_cli("run", "Swale", "--out", str(tmp_path / "out"), env=env),
                        "data/raw/census2021-ts021-msoa-nomis/census2021-ts021-msoa.csv.gz")
    assert not (tmp_path / "out" / "index.html").exists()

    verify = run_cli("data", "verify", env=env)
    assert verify.returncode == 2
    assert "MISSING  data/raw/census2021-ts021-msoa-nomis/census2021-ts021-msoa.csv.gz" in verify.stdout


def test_data_verify_passes_on_the_checkout():
    result = run_cli("data", "verify")
    assert result.returncode == 0
    assert "raw files match the manifest" in result.stdout


def test_areas_lists_a_set():
    result = run_cli("areas", "kent")
    assert result.returncode == 0
    rows = [line for line in result.stdout.splitlines() if line.startswith("E0") or line.startswith("E10")]
    assert len(rows) == 14
    assert any("Tonbridge and Malling" in row and "Kent" in row for row in rows)


@pytest.mark.parametrize("args", [["--help"], ["run", "--help"], ["areas", "--help"], ["data", "--help"],
                                  ["data", "verify", "--help"], ["topics", "--help"]])
def test_help_is_available_everywhere(args):
    result = run_cli(*args)
    assert result.returncode == 0
    assert "usage: nbutils" in result.stdout


def test_output_folder_that_is_a_file_exits_2(tmp_path):
    not_a_folder = tmp_path / "packs"
    not_a_folder.write_text("a file, not a folder")
    _assert_clean_error(run_cli("run", "Swale", "--out", str(not_a_folder)), "cannot use", str(not_a_folder))
