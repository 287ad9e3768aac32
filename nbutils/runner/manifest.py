"""The run record: each notebook's result, ``OUT/manifest.json``, and what makes a task up to date.

``manifest.json`` is merged and rewritten (atomically) as each notebook finishes; if it is unreadable it is rebuilt
from the area folders present, so the index never forgets packs still on disk.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from .. import __version__
from ..fingerprint import package_fingerprint, parameters_fingerprint  # noqa: F401 (one implementation)
from ..files import atomic_write_text
from ..topics_meta import TOPIC_ORDER

#: Folder of the output holding executed notebooks (for debugging; never part of a circulated area folder).
EXECUTED_DIR = "_executed"
#: An area's code: a GSS code, or 'combined-<slug>' for a combined area declared in an area set.
CODE = r"[EWSN]\d{8}|combined-[a-z0-9-]+"
#: An area folder's name: its GSS code and a slug of its name, or a combined area's code (never a path).
FOLDER = re.compile(r"[EWSN]\d{8}-[a-z0-9-]+|combined-[a-z0-9-]+")


def folder_code(folder: str) -> str:
    """The area code an area folder's name begins with."""
    return folder if folder.startswith("combined-") else folder[:9].upper()


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
    #: What the notebook read from the store: the keys taken from its kernel, then (in the runner) each key with
    #: its fingerprint; None when not known (the notebook reruns next time).
    reads: list[str] | dict[str, str] | None = None
    reason: str | None = None  # why it ran: "new notebook", "indicator 92196 changed", "forced", ...


def executed_path(out_dir: Path, folder: str, topic: str) -> Path:
    """Where the executed copy of a notebook is kept: outside the area folder that is circulated."""
    return out_dir / EXECUTED_DIR / folder / f"{topic}.ipynb"


def task_fingerprint(area, topic: str, notebooks: Path) -> str:
    """What a task's outputs depend on besides the data it reads: notebook, parameters (an
    :class:`~nbutils.areas.Area`), package code and version. The data are the notebook's own recorded reads
    (:mod:`nbutils.runner.inputs`)."""
    digest = hashlib.sha256()
    for part in (area.code, topic, package_fingerprint(), parameters_fingerprint()):
        digest.update(part.encode())
        digest.update(b"\0")
    digest.update((notebooks / f"{topic}.ipynb").read_bytes())
    return digest.hexdigest()


class RunRecord(BaseModel):
    """One record of ``manifest.json``, as the runner writes it: checked whenever the file is read, so a damaged
    or hostile record never reaches a page or a path (folder and outputs stay inside the output folder; codes,
    names and topics are what they claim to be)."""

    model_config = ConfigDict(extra="ignore")

    area_code: Annotated[str, StringConstraints(pattern=f"^(?:{CODE})$")]
    area_name: Annotated[str, StringConstraints(min_length=1, max_length=200)]
    folder: Annotated[str, StringConstraints(pattern=f"^(?:{FOLDER.pattern})$")]
    topic: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]+$")]
    status: Literal["succeeded", "failed"]
    seconds: float = Field(default=0.0, ge=0, allow_inf_nan=False)
    outputs: list[str] = Field(default_factory=list)
    error: str | None = None
    executed: str | None = None
    inputs: str | None = None
    reads: dict[str, Annotated[str, StringConstraints(max_length=100_000)]] | None = None
    reason: str | None = None
    finished: str | None = None

    @model_validator(mode="after")
    def _inside_output_folder(self) -> "RunRecord":
        if folder_code(self.folder) != self.area_code:
            raise ValueError(f"folder {self.folder} is not the folder of {self.area_code}")
        for output in self.outputs:
            parts = PurePosixPath(output).parts
            if not parts or parts[0] != self.folder or ".." in parts or "\\" in output:
                raise ValueError(f"output {output} is not inside the area folder {self.folder}")
        if self.executed is not None and self.executed != f"{EXECUTED_DIR}/{self.folder}/{self.topic}.ipynb":
            raise ValueError(f"executed {self.executed} is not where executed notebooks are kept")
        return self


def check_runs(out_dir: Path) -> tuple[list[dict], list[str]] | None:
    """The valid records of ``manifest.json`` and a description of each invalid one (each invalid record is
    replaced by what the area folders show); [] when there is no manifest yet; None when it is unreadable."""
    try:
        manifest = json.loads((out_dir / "manifest.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return [], []
    except (OSError, ValueError, RecursionError):  # not JSON, not UTF-8, not a file, absurdly nested
        return None
    runs = manifest.get("runs") if isinstance(manifest, dict) else None
    if not isinstance(runs, list):
        return None
    good, bad = [], []
    for number, record in enumerate(runs, start=1):
        try:
            good.append(RunRecord.model_validate(record).model_dump())
        except ValidationError as error:
            first = error.errors()[0]
            where = ".".join(str(part) for part in first["loc"]) or "record"
            bad.append(f"record {number}: {where}: {first['msg']}")
    if bad:
        held = {(r["area_code"], r["topic"]) for r in good}
        good += [r for r in runs_from_folders(out_dir) if (r["area_code"], r["topic"]) not in held]
    return good, bad


def read_runs(out_dir: Path) -> list[dict] | None:
    """The valid runs recorded in ``manifest.json`` (invalid records rebuilt from the folders); [] when there is
    none yet; None when it is unreadable."""
    checked = check_runs(out_dir)
    return None if checked is None else checked[0]


def withdraw_outputs(out_dir: Path, folder: str, topic: str) -> str | None:
    """Take a failed topic's page, tables and maps (from this or an earlier run) out of the circulated area
    folder: the page is deleted, the tables and maps moved to ``_executed/<folder>/<topic>/`` for debugging.
    Returns what could not be done, or None."""
    area = out_dir / folder
    if not area.is_dir():
        return None  # nothing circulated there
    try:
        (area / f"{topic}.html").unlink(missing_ok=True)
        if (area / topic).is_dir():
            kept = out_dir / EXECUTED_DIR / folder / topic
            if kept.exists():
                shutil.rmtree(kept)
            kept.parent.mkdir(parents=True, exist_ok=True)
            os.replace(area / topic, kept)
    except OSError as error:
        return (f"its earlier outputs in {area / topic} could not be withdrawn ({error.strerror or error}): "
                "delete them before circulating this folder")
    return None


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
    for folder in sorted(p for p in out_dir.iterdir() if p.is_dir() and FOLDER.fullmatch(p.name)):
        code = folder_code(folder.name)
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
                "reads": None,
            })
    return records


def load_previous(out_dir: Path) -> dict[tuple[str, str], dict]:
    """Recorded runs by (area code, topic), rebuilt from the folders if the manifest is unreadable."""
    runs = read_runs(out_dir)
    if runs is None:
        runs = runs_from_folders(out_dir)
    return {(r["area_code"], r["topic"]): r for r in runs}


def repair_manifest(out_dir: Path) -> str | None:
    """Rebuild an unreadable ``manifest.json``, or its invalid records, from the area folders present; say so (or
    return None). After this the file on disk holds only valid records."""
    checked = check_runs(out_dir)
    if checked is not None and not checked[1]:
        return None
    write_manifest(out_dir, [])
    if checked is None:
        return (f"{out_dir / 'manifest.json'} was unreadable; rebuilt it from the area folders present "
                "(their topics rerun next time)")
    bad = checked[1]
    return (f"{out_dir / 'manifest.json'} had {len(bad)} invalid record(s) ({bad[0]}{'; ...' if len(bad) > 1 else ''});"
            " rebuilt them from the area folders present (their topics rerun next time)")


def rerun_reasons(record: dict | None, fingerprint: str, out_dir: Path, state) -> list[str]:
    """Why a task must run again (empty when it is up to date): no record, a failure, changed code or
    parameters, a changed input of its own (``state``: an :class:`~nbutils.runner.inputs.InputState`), or a
    missing output."""
    if not record:
        return ["new notebook"]
    if record.get("status") != "succeeded":
        return ["failed last time"]
    if record.get("inputs") != fingerprint:
        return ["code or parameters changed"]
    if not isinstance(record.get("reads"), dict):
        return ["its inputs were not recorded"]
    reasons = state.changes(record["reads"])
    if not all((out_dir / output).exists() for output in record.get("outputs", [])):
        reasons.append("outputs missing")
    return reasons


def up_to_date(record: dict | None, fingerprint: str, out_dir: Path, state) -> bool:
    """Whether a recorded run succeeded with this code, its own inputs unchanged, and all its outputs there."""
    return not rerun_reasons(record, fingerprint, out_dir, state)


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
