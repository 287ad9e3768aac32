"""The run record: each notebook's result, ``OUT/manifest.json``, and what makes a task up to date.

``manifest.json`` is merged and rewritten (atomically) as each notebook finishes; if it is unreadable it is rebuilt
from the area folders present, so the index never forgets packs still on disk.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from .. import __version__
from ..fingerprint import package_fingerprint, parameters_fingerprint  # noqa: F401 (one implementation)
from ..files import atomic_write_text
from ..topics_meta import TOPIC_ORDER

#: Folder of the output holding executed notebooks (for debugging; never part of a circulated area folder).
EXECUTED_DIR = "_executed"
RECORD_KEYS = {"area_code", "area_name", "folder", "topic", "status"}


@dataclass
class Result:
    """Outcome of one notebook for one area."""

    area_code: str
    area_name: str
    folder: str
    topic: str
    status: str  # 'succeeded' or 'failed'
    seconds: float
    outputs: list[str] = field(default_factory=list)
    error: str | None = None
    executed: str | None = None  # the executed notebook, relative to the output folder



def executed_path(out_dir: Path, folder: str, topic: str) -> Path:
    """Where the executed copy of a notebook is kept: outside the area folder that is circulated."""
    return out_dir / EXECUTED_DIR / folder / f"{topic}.ipynb"


def task_fingerprint(area, topic: str, notebooks: Path, store_state: str) -> str:
    """What a task's outputs depend on: notebook, parameters (an :class:`~nbutils.areas.Area`), data, package
    code and version."""
    digest = hashlib.sha256()
    for part in (area.code, topic, store_state, package_fingerprint(), parameters_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update((notebooks / f"{topic}.ipynb").read_bytes())
    return digest.hexdigest()


def read_runs(out_dir: Path) -> list[dict] | None:
    """The runs recorded in ``manifest.json``; [] when there is none yet; None when it is unreadable."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):  # not JSON, not UTF-8, not a file
        return None
    runs = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(runs, list) or not all(isinstance(r, dict) and RECORD_KEYS <= r.keys() for r in runs):
        return None
    return runs


def _outputs(out_dir: Path, folder: Path, topic: str) -> list[str]:
    html_path = folder / f"{topic}.html"
    outputs = [str(html_path.relative_to(out_dir))] if html_path.exists() else []
    if (folder / topic).is_dir():
        outputs += sorted(str(p.relative_to(out_dir)) for p in (folder / topic).iterdir()
                          if not p.name.startswith("."))
    return outputs


def runs_from_folders(out_dir: Path) -> list[dict]:
    """Records rebuilt from the area folders on disk: each page is a succeeded topic, each executed copy without
    a page a failed one (their inputs are unknown, so the next run redoes them)."""
    from ..areas import registry

    records = []
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and re.match(r"[EWSN]\d{8}-", p.name)):
        code = folder.name[:9].upper()
        try:
            name = registry().get(code).name
        except Exception:  # an area no longer in the registry keeps its folder name
            name = folder.name
        topics = {p.stem for p in folder.glob("*.html") if p.stem != "index"}
        topics |= {p.stem for p in (out_dir / EXECUTED_DIR / folder.name).glob("*.ipynb")}
        for topic in sorted(topics):
            html_path, executed = folder / f"{topic}.html", executed_path(out_dir, folder.name, topic)
            records.append({
                "area_code": code, "area_name": name, "folder": folder.name, "topic": topic,
                "status": "succeeded" if html_path.exists() else "failed", "seconds": 0.0,
                "outputs": _outputs(out_dir, folder, topic),
                "error": None if html_path.exists() else "not known: the run manifest was rebuilt; run it again",
                "executed": executed.relative_to(out_dir).as_posix() if executed.exists() else None, "inputs": None,
            })
    return records


def load_previous(out_dir: Path) -> dict[tuple[str, str], dict]:
    """Recorded runs by (area code, topic), rebuilt from the folders if the manifest is unreadable."""
    runs = read_runs(out_dir)
    if runs is None:
        runs = runs_from_folders(out_dir)
    return {(r["area_code"], r["topic"]): r for r in runs}


def repair_manifest(out_dir: Path) -> str | None:
    """Rebuild an unreadable ``manifest.json`` from the area folders present; say so (or return None)."""
    if read_runs(out_dir) is not None:
        return None
    write_manifest(out_dir, [])
    return (f"{out_dir / 'manifest.json'} was unreadable; rebuilt it from the area folders present "
            "(their topics rerun next time)")


def up_to_date(record: dict | None, fingerprint: str, out_dir: Path) -> bool:
    """Whether a recorded run succeeded with these inputs and all its outputs are still there."""
    if not record or record.get("status") != "succeeded" or record.get("inputs") != fingerprint:
        return False
    return all((out_dir / output).exists() for output in record.get("outputs", []))


def write_manifest(out_dir: Path, results: list[Result], fingerprints: dict | None = None,
                   records: dict[tuple[str, str], dict] | None = None) -> dict:
    """Merge results into ``manifest.json`` (records of other areas/topics are kept); return what was written.

    Parameters
    ----------
    records : the run's records so far, by (area code, topic), kept by the caller and updated here; saves reading
        the manifest back for every notebook of a long run (default: read from ``manifest.json``).
    """
    path = out_dir / "manifest.json"
    if records is None:
        records = load_previous(out_dir)  # rebuilt from the folders if unreadable
    for result in results:
        record = asdict(result)
        record["inputs"] = (fingerprints or {}).get((result.area_code, result.topic))
        record["finished"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        records[(result.area_code, result.topic)] = record
    runs = sorted(records.values(), key=lambda r: (r["area_name"], TOPIC_ORDER.index(r["topic"])
                                                   if r["topic"] in TOPIC_ORDER else 99))
    manifest = {
        "generated": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "nbutils_version": __version__,
        "runs": runs,
    }
    atomic_write_text(path, json.dumps(manifest, indent=2) + "\n")
    return manifest
