"""A store whose only change is an authority's local data: rewrite the two local tables, link the rest.

National tables are linked unchanged (the same bytes), so every notebook that read none of the local data keeps
its inputs' fingerprints and is not rerun, and a monthly local-data refresh costs seconds, not a national rebuild.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pandas as pd

from . import local_data, store_state

LOCAL_TABLES = ("local_indicators.parquet", "local_meta.parquet")


def only_local_data_changed(store: Path, fingerprint: dict) -> bool:
    """The store is intact and was built from these inputs except an authority's data/local/ files."""
    try:
        recorded = json.loads((store / store_state.BUILD_RECORD).read_text())
    except (OSError, ValueError):
        return False
    if not isinstance(recorded, dict) or recorded.get("local") == fingerprint.get("local"):
        return False
    return store_state.current(store, {**fingerprint, "local": recorded.get("local")})


def rebuild_local_tables(store: Path, staging: Path, fingerprint: dict) -> None:
    """A store whose only change is local data: the national tables are linked unchanged (the same bytes, so
    every notebook that read none of the local data keeps its inputs' fingerprints) and the two local tables are
    validated and rewritten; a monthly local-data refresh then costs seconds, not a national rebuild."""
    recorded = json.loads((store / store_state.BUILD_RECORD).read_text())
    files = recorded.pop("files")
    for name in files:
        if name in LOCAL_TABLES:
            continue
        target = staging / name
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(store / name, target)
        except OSError:  # a file system without hard links: copy instead
            shutil.copy2(store / name, target)
    areas = pd.read_parquet(store / "areas.parquet")
    predecessors = pd.read_parquet(store / "predecessors.parquet")
    datasets = local_data.load_all(areas, predecessors)
    local_data.table(datasets).to_parquet(staging / LOCAL_TABLES[0], index=False)
    local_data.meta_table(datasets).to_parquet(staging / LOCAL_TABLES[1], index=False)
    for name in LOCAL_TABLES:
        files[name] = store_state.sha256(staging / name)
    (staging / store_state.BUILD_RECORD).write_text(json.dumps({**fingerprint, "files": dict(sorted(files.items()))},
                                                               indent=1))
