"""Import contracts: the package's layers, read from its own source (no import needed, so nothing runs).

data/raw -> sources, build -> store -> areas, query -> stats, disclosure (pure) -> topics -> charts, maps, report
-> notebooks -> runner, cli. Each rule below names who may not depend on whom and why. Known breaches in today's
code are listed in KNOWN_EXCEPTIONS with the reason, so the contract still guards everything else; remove an
entry once the code is fixed (the test fails on an exception that no longer happens, so the list cannot go stale).
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "nbutils"
MAX_LINES = 500
# A module may exceed MAX_LINES only if its first line is a comment starting with this marker, then the reason.
LONG_MODULE_MARKER = "# Long module:"


@dataclass(frozen=True)
class Module:
    name: str
    path: Path
    tree: ast.Module
    lines: int

    def imports(self) -> set[str]:
        """Every nbutils module or name this module imports, as absolute dotted names."""
        package = self.name if self.path.name == "__init__.py" else self.name.rpartition(".")[0]
        found = set()
        for node in ast.walk(self.tree):
            if isinstance(node, ast.Import):
                found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "nbutils"}
            elif isinstance(node, ast.ImportFrom):
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[:len(parts) - node.level + 1] + ([node.module] if node.module else []))
                elif node.module and node.module.split(".")[0] == "nbutils":
                    base = node.module
                else:
                    continue
                if node.module:  # "from .. import store" is an import of nbutils.store, not of nbutils itself
                    found.add(base)
                found |= {f"{base}.{alias.name}" for alias in node.names}
        return found


def load_modules(root: Path = PACKAGE) -> dict[str, Module]:
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        text = path.read_text(encoding="utf-8")
        modules[name] = Module(name, path, ast.parse(text, str(path)), len(text.splitlines()))
    return modules


def in_layer(name: str, layer: str) -> bool:
    return name == layer or name.startswith(layer + ".")


def known_module(name: str, modules: dict[str, Module]) -> str | None:
    """The module an imported dotted name belongs to (``nbutils.sources.census.ETHNIC_GROUPS`` -> the module)."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph(modules: dict[str, Module]) -> dict[str, set[str]]:
    return {name: {m for m in map(lambda i: known_module(i, modules), mod.imports()) if m and m != name}
            for name, mod in modules.items()}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in graph.get(todo.pop(), ()):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


# Pure layers: may import nothing from nbutils but each other.
PURE = ["nbutils.stats", "nbutils.disclosure"]
# Modules (not names) whose import means file or network I/O.
IO_MODULES = {"os", "io", "pathlib", "shutil", "tempfile", "glob", "gzip", "zipfile", "csv", "pickle", "sqlite3",
              "urllib", "http", "socket", "requests", "importlib.resources", "pyarrow", "geopandas", "pyogrio"}
PANDAS_IO = ("read_", "to_csv", "to_parquet", "to_excel", "to_json", "to_pickle", "to_feather", "to_sql",
             "to_html", "to_file")

ESP2013_REASON = ("reads the packaged ESP2013 constant table (nbutils/data/esp2013.csv), the standard population "
                  "PHEindicatormethods ships as esp2013; packaged data by design")
# Today's breaches, each with the reason it is tolerated and what would remove it.
KNOWN_EXCEPTIONS = {
    ("nbutils.stats.standardised_rates", "importlib.resources"): ESP2013_REASON,
    ("nbutils.stats.standardised_rates", ".read_text"): ESP2013_REASON,
}


def impure_uses(modules: dict[str, Module]) -> set[tuple[str, str]]:
    """(module, what) for pure-layer modules importing nbutils outside the pure layers, I/O modules or pandas I/O."""
    graph = import_graph(modules)
    found = set()
    for name, mod in modules.items():
        if not any(in_layer(name, p) for p in PURE):
            continue
        found |= {(name, t) for t in graph[name] if not any(in_layer(t, p) for p in PURE)}
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.Import):
                found |= {(name, a.name) for a in node.names
                          if a.name in IO_MODULES or a.name.split(".")[0] in IO_MODULES}
            elif isinstance(node, ast.ImportFrom) and not node.level and node.module:
                full = {node.module} | {f"{node.module}.{a.name}" for a in node.names}
                found |= {(name, f) for f in full if f in IO_MODULES or f.split(".")[0] in IO_MODULES}
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "open":
                found.add((name, "open()"))
            elif isinstance(node, ast.Attribute) and node.attr.startswith(PANDAS_IO):
                found.add((name, f".{node.attr}"))
    return found


def private_store_uses(modules: dict[str, Module]) -> set[tuple[str, str]]:
    """(topic module, name) for topics reaching into the store's private functions."""
    found = set()
    for name, mod in modules.items():
        if not in_layer(name, "nbutils.topics"):
            continue
        store_names = set()
        for node in ast.walk(mod.tree):
            if isinstance(node, ast.ImportFrom):
                for alias in node.names:
                    if alias.name == "store":
                        store_names.add(alias.asname or "store")
                    elif (node.module or "").endswith("store") and alias.name.startswith("_"):
                        found.add((name, f"store.{alias.name}"))
            elif isinstance(node, ast.Import):
                store_names |= {a.asname for a in node.names if a.name == "nbutils.store" and a.asname}
        for node in ast.walk(mod.tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                    and node.value.id in store_names and node.attr.startswith("_")):
                found.add((name, f"store.{node.attr}"))
    return found


def raw_file_uses(modules: dict[str, Module]) -> set[tuple[str, str]]:
    """(topic module, what) for topics locating raw files themselves (paths.raw_dir)."""
    return {(name, "paths.raw_dir") for name, mod in modules.items() if in_layer(name, "nbutils.topics")
            for node in ast.walk(mod.tree)
            if (isinstance(node, ast.Attribute) and node.attr == "raw_dir")
            or (isinstance(node, ast.alias) and node.name == "raw_dir")}


def long_modules(modules: dict[str, Module]) -> set[str]:
    return {name for name, mod in modules.items() if mod.lines > MAX_LINES
            and not mod.path.read_text(encoding="utf-8").startswith(LONG_MODULE_MARKER)}


@pytest.fixture(scope="module")
def modules():
    found = load_modules()
    assert {"nbutils.store", "nbutils.stats.rates", "nbutils.topics.sudi", "nbutils.sources.manifest"} <= set(found)
    return found


def _unexpected(found):
    return sorted(pair for pair in found if pair not in KNOWN_EXCEPTIONS)


def test_import_linter_contracts_hold():
    """The layers and the topics' ban on raw-file readers, as import-linter checks them (imports inside functions
    included; a cycle between layers breaks the layers contract)."""
    done = subprocess.run([sys.executable, "-c", "from importlinter.cli import lint_imports_command; "
                           "lint_imports_command()", "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout[-4000:]
    assert "0 broken" in done.stdout


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c["layers"] for c in config["contracts"] if c["type"] == "layers")
    return [name.strip() for layer in layers for name in layer.split("|")]


def test_every_module_is_in_the_layer_contract(modules):
    listed = _contract_layers()
    top = {name.split(".")[1] for name in modules if name != "nbutils"}
    assert sorted(f"nbutils.{t}" for t in top if f"nbutils.{t}" not in listed) == []
    assert sorted(n for n in listed if n.split(".")[1] not in top) == []  # nor a module that is gone


def test_stats_and_disclosure_stay_pure(modules):
    assert _unexpected(impure_uses(modules)) == []


def test_topics_never_read_raw_files_or_private_store_functions(modules):
    assert _unexpected(raw_file_uses(modules) | private_store_uses(modules)) == []


def test_no_module_over_500_lines_without_a_reason(modules):
    assert sorted(long_modules(modules)) == []


def test_known_exceptions_still_happen(modules):
    # When a known breach is fixed, drop its entry so the contract covers it again.
    happening = impure_uses(modules) | private_store_uses(modules)
    assert sorted(set(KNOWN_EXCEPTIONS) - happening) == []


def test_the_contracts_catch_breaches(tmp_path):
    # A fixture package breaking each rule once: the checks above must be able to fail.
    files = {
        "__init__.py": "",
        "paths.py": "def raw_dir():\n    pass\n",
        "sources/__init__.py": "",
        "sources/census.py": "from .. import charts\n",
        "store.py": "def _rows():\n    pass\n",
        "charts.py": "import matplotlib\n",
        "runner.py": "from . import store\n",
        "cli.py": "from .runner import main\n",
        "stats/__init__.py": "import pathlib\nfrom .. import store\n",
        "stats/rates.py": "import pandas as pd\n\ndef load():\n    return pd.read_csv('x.csv')\n",
        "disclosure.py": "",
        "topics/__init__.py": "",
        "topics/sudi.py": "from .. import paths, store\nfrom ..sources.census import GROUPS\n"
                          "x = store._rows()\ny = paths.raw_dir()\n",
        "maps.py": "# Long module: generated tiles\n" + "x = 1\n" * 501,
        "report.py": "x = 1\n" * 501,
    }
    root = tmp_path / "nbutils"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text)
    mods = load_modules(root)
    assert impure_uses(mods) == {("nbutils.stats", "pathlib"), ("nbutils.stats", "nbutils.store"),
                                 ("nbutils.stats.rates", ".read_csv")}
    assert private_store_uses(mods) == {("nbutils.topics.sudi", "store._rows")}
    assert raw_file_uses(mods) == {("nbutils.topics.sudi", "paths.raw_dir")}
    assert long_modules(mods) == {"nbutils.report"}
