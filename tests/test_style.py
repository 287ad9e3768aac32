"""Code style that CI holds: pyflakes' errors nowhere, notebook code formatted by ruff at the configured width."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or shutil.which("ruff")



def _ruff(*args: str) -> subprocess.CompletedProcess:
    assert RUFF, "ruff comes with the test extra: pip install -e '.[test]'"
    return subprocess.run([RUFF, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_no_pyflakes_errors():
    done = _ruff("check", "--no-cache", "nbutils", "tests", "tools", "benchmarks", "notebooks")
    assert done.returncode == 0, done.stdout[-3000:]


def test_notebook_code_is_formatted():
    done = _ruff("format", "--no-cache", "--check", "notebooks")
    assert done.returncode == 0, done.stdout[-3000:] + "\nrun: ruff format notebooks"
