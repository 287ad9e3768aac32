"""Each notebook's own inputs: what it read from the store, their content fingerprints, and why it must rerun.

A notebook's reads are recorded by the store as it runs (:func:`nbutils.store.record_read`), taken from the kernel
after the notebook (:func:`recorded_reads`) and written into the run record with the fingerprint of each input
(:meth:`InputState.fingerprints`). The next run compares them with the store as it is now
(:meth:`InputState.changes`): a notebook whose own inputs are unchanged is skipped, whatever else changed.

Fingerprints come from the store's build record (the sha256 of each table file, written by the build) and, for
an authority's local data, from the sha256 of each dataset's files and the areas its figures are for: standard
library only, so an up-to-date run imports no pandas.

Keys read: ``indicator:<id>``, ``table:<name>`` (``table:registry`` is the area registry every notebook reads),
``boundaries:<level>``, ``local:<area code>`` (the local figures of that area) and ``local:*`` (every local dataset).
"""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

from .. import local_files, paths, store_state

#: Read by every notebook (the area registry is read once per kernel, before any recording could see it).
ALWAYS_READ = ("table:registry",)
#: Most reasons printed for one notebook.
MOST_REASONS = 3


def recorded_reads(kernel) -> list[str] | None:
    """What the notebook just executed on ``kernel`` read from the store (and the record starts afresh), as the
    kernel reports it (``kernel.reads()``); None when it cannot be told (its inputs then count as changed next
    time)."""
    try:
        reads = kernel.reads()
    except Exception:  # noqa: BLE001 - a dead kernel, an old nbutils: the notebook reruns next time
        return None
    return reads if isinstance(reads, list) and all(isinstance(r, str) for r in reads) else None


class InputState:
    """The store's inputs as they are now, read from its build record (once per run).

    Parameters
    ----------
    build_record : the text of the store's ``build.json``.
    """

    def __init__(self, build_record: str) -> None:
        record = json.loads(build_record)
        self.files: dict[str, str] = record.get("files", {})
        self.local_hashes: dict[str, str] = record.get("local") or {}
        self._coverage: dict[str, set[str]] | None = None
        self._datasets: dict[str, str] | None = None

    # --------------------------------------------------------------------------------------- fingerprints

    def fingerprint(self, key: str) -> str:
        """The content fingerprint of one input key now ("missing" when the store holds no such input)."""
        kind, _, name = key.partition(":")
        if kind == "local":
            return self._local(name)
        path = {"indicator": f"indicators/{name}.parquet", "boundaries": f"boundaries_{name}.parquet",
                "table": store_state.REGISTRY_INDEX if name == "registry" else f"{name}.parquet"}.get(kind)
        return self.files.get(path, "missing") if path else "missing"

    def fingerprints(self, reads: list[str]) -> dict[str, str]:
        """Each key read (and :data:`ALWAYS_READ`) with its fingerprint now."""
        return {key: self.fingerprint(key) for key in sorted({*reads, *ALWAYS_READ})}

    def changes(self, recorded: dict[str, str]) -> list[str]:
        """Why inputs recorded as ``recorded`` are stale now, one phrase per change (empty when none changed)."""
        reasons: list[str] = []
        for key, before in sorted(recorded.items()):
            now = self.fingerprint(key)
            if now == before:
                continue
            kind, _, name = key.partition(":")
            if kind == "local":
                reasons += [r for r in _dataset_changes(before, now) if r not in reasons]
            elif now == "missing":
                reasons.append(f"{_label(kind)} {name} removed")
            else:
                reasons.append(f"{_label(kind)} {name} changed")
        return reasons

    # ---------------------------------------------------------------------------------------- local data

    def _local(self, area_code: str) -> str:
        """``dataset=sha256,...`` over the datasets with figures for ``area_code`` (``*``: every dataset)."""
        datasets = self._dataset_hashes()
        if area_code != "*":
            coverage = self._area_coverage()
            datasets = {name: digest for name, digest in datasets.items() if area_code in coverage.get(name, ())}
        return ",".join(f"{name}={digest}" for name, digest in sorted(datasets.items()))

    def _dataset_hashes(self) -> dict[str, str]:
        """sha256 of each local dataset, over its files' hashes as the store was built from them."""
        if self._datasets is None:
            grouped: dict[str, list[str]] = {}
            for path, digest in sorted(self.local_hashes.items()):
                grouped.setdefault(path.split("/", 1)[0], []).append(f"{path}\0{digest}")
            self._datasets = {name: hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]
                              for name, parts in grouped.items()}
        return self._datasets

    def _area_coverage(self) -> dict[str, set[str]]:
        if self._coverage is None:
            self._coverage = {name: dataset_areas(local_files.local_dir() / name) for name in self._dataset_hashes()}
            successors = _successors()
            for codes in self._coverage.values():
                codes |= {successors[c] for c in codes if c in successors}
        return self._coverage


def dataset_areas(folder: Path) -> set[str]:
    """The area codes a local dataset has figures, targets or benchmarks for (read as text: no validation, so a
    code is never missed; the store's build validates the same files)."""
    codes: set[str] = set()
    for path in folder.glob("*.csv"):
        try:
            with path.open(encoding="utf-8-sig", newline="") as handle:
                codes |= {(row.get("area_code") or "").strip().upper() for row in csv.DictReader(handle)}
        except (OSError, UnicodeDecodeError, csv.Error):
            continue  # the build has already refused such a file
    source = folder / "source.yaml"
    if source.exists():
        import yaml

        try:
            meta = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError):
            meta = {}
        for kind in ("targets", "benchmarks"):
            entries = meta.get(kind) if isinstance(meta, dict) else None
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and entry.get("area_code"):
                    codes.add(str(entry["area_code"]).strip().upper())
    return codes - {""}


def _successors() -> dict[str, str]:
    """2022 district codes and the 2023 authority that replaced them (a local file may use either)."""
    try:
        index = store_state.registry_index(paths.store_dir())
    except Exception:  # noqa: BLE001 - no registry: no mapping, and the codes count as they are written
        return {}
    return {r["lad22_code"]: r["lad_code"] for r in index["predecessors"] if r["lad22_code"] and r["lad_code"]}


def _label(kind: str) -> str:
    return {"indicator": "indicator", "table": "store table", "boundaries": "boundaries"}.get(kind, kind)


def _dataset_changes(before: str, now: str) -> list[str]:
    """'local dataset X added / changed / removed' between two local fingerprints."""
    old, new = _datasets_of(before), _datasets_of(now)
    reasons = [f"local dataset {n} added" for n in sorted(new.keys() - old.keys())]
    reasons += [f"local dataset {n} changed" for n in sorted(new.keys() & old.keys()) if new[n] != old[n]]
    reasons += [f"local dataset {n} removed" for n in sorted(old.keys() - new.keys())]
    return reasons or ["local data changed"]


def _datasets_of(fingerprint: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in fingerprint.split(",") if "=" in part)


def explain(reasons: list[str]) -> str:
    """Reasons as one phrase: the first few, and how many more."""
    shown = "; ".join(reasons[:MOST_REASONS])
    return shown + (f"; and {len(reasons) - MOST_REASONS} more" if len(reasons) > MOST_REASONS else "")
