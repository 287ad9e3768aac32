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
    """sha256 over every run setting notebooks read besides their own parameters (every file under parameters/:
    area sets with their maternity trusts, neighbours, combined areas and targets, the levers' national inputs,
    the scale-of-need inputs), and the parameters given with ``nbutils run -p``.

    Settings are read once per kernel and cached, so they are not recorded per notebook: a change to any of them
    reruns every notebook (never a stale page)."""
    from . import paths, run_parameters

    folder = paths.parameters_dir()
    settings = (p for p in folder.rglob("*") if p.is_file() and p.suffix in (".yaml", ".yml", ".csv"))
    return code_sha256(settings, folder) + run_parameters.fingerprint()
