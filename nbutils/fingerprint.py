"""Code fingerprints: one sha256 over source files, so that changed code reruns (or rebuilds) what depends on it.

The one implementation behind the store's build record (its builders' code) and the runner's incremental
check (the whole package's code and packaged data).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from pathlib import Path

from . import __version__

PACKAGE = Path(__file__).parent
#: Files of the package whose change reruns every notebook: code and packaged data and templates.
PACKAGE_SUFFIXES = frozenset({".py", ".yaml", ".csv", ".html", ".css", ".js", ".j2"})


def code_sha256(files: Iterable[Path], root: Path = PACKAGE, version: str = "") -> str:
    """sha256 over ``version``, then each file's path relative to ``root`` and its bytes, in path order."""
    digest = hashlib.sha256(version.encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.lru_cache(maxsize=1)
def package_fingerprint() -> str:
    """sha256 over the package's code, packaged data and templates, and its version: any change to a helper reruns
    every notebook."""
    files = (p for p in PACKAGE.rglob("*") if p.suffix in PACKAGE_SUFFIXES and "__pycache__" not in p.parts)
    return code_sha256(files, PACKAGE, __version__)


def parameters_fingerprint() -> str:
    """sha256 over the run settings notebooks read besides their own parameters (parameters/scale-of-need/), and
    the parameters given with ``nbutils run -p``."""
    from . import paths

    from . import run_parameters

    folder = paths.parameters_dir()
    return code_sha256(folder.glob("scale-of-need/*.yaml"), folder) + run_parameters.fingerprint()

