"""The neighbour set an authority benchmarks itself against: DfE statistical neighbours unless it chooses another.

An area set file (``parameters/<name>.yaml``) may name, per authority, another list with its source, e.g. the CIPFA
nearest neighbours a performance paper uses::

    neighbours:
      E10000016:
        name: CIPFA nearest neighbours (2021 model)
        source: CIPFA Nearest Neighbours Model, as listed in ...
        areas: [E10000014, ...]

Every table and chart that uses the set names it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .. import paths
from ..areas import Area, registry
from ..errors import AreaSetError, UnknownAreaError

#: The default set and where it comes from.
DFE_NAME = "DfE statistical neighbours"
DFE_SOURCE = "DfE children's services statistical neighbours, May 2025"


class ChosenSet(BaseModel):
    """A neighbour list named in a set file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=1)
    source: str = Field(min_length=1)
    areas: list[str] = Field(min_length=1)


@dataclass(frozen=True)
class NeighbourSet:
    """The neighbours an authority is compared with, the set's name and its source."""

    name: str
    source: str
    areas: tuple[Area, ...]


def _files() -> tuple[tuple[str, float], ...]:
    folder = paths.parameters_dir()
    return tuple(sorted((str(p), p.stat().st_mtime) for p in folder.glob("*.yaml"))) if folder.is_dir() else ()


@functools.lru_cache(maxsize=4)
def _chosen(files: tuple[tuple[str, float], ...]) -> dict[str, tuple[str, ChosenSet]]:
    chosen: dict[str, tuple[str, ChosenSet]] = {}
    for path, _ in files:
        name = path.rsplit("/", 1)[-1]
        try:
            content = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError):
            continue  # the set file's own reader reports a broken file when the set is used
        if not isinstance(content, dict) or not isinstance(content.get("neighbours"), dict):
            continue
        for code, entry in content["neighbours"].items():
            try:
                chosen[str(code).upper()] = (name, ChosenSet(**(entry or {})))
            except (ValidationError, TypeError) as error:
                problem = error.errors()[0] if isinstance(error, ValidationError) else {"loc": (), "msg": str(error)}
                field = ".".join(str(p) for p in problem["loc"])
                raise AreaSetError(f"{name}: neighbours of {code}: {field + ' ' if field else ''}"
                                   f"{problem['msg'].lower()}; give name, source and areas (GSS codes)") from None
    return chosen


def neighbour_set(area: Area) -> NeighbourSet:
    """The area's neighbour set: a list named in a set file, or the DfE statistical neighbours (none for a
    two-tier district)."""
    chosen = _chosen(_files()).get(area.code)
    if chosen is None:
        finder = getattr(registry(), "statistical_neighbours", None)
        return NeighbourSet(DFE_NAME, DFE_SOURCE, tuple(finder(area)) if finder else ())
    file, entry = chosen
    areas = []
    for code in entry.areas:
        try:
            areas.append(registry().get(code))
        except (UnknownAreaError, KeyError, LookupError):
            raise AreaSetError(f"{file}: neighbours of {area.code}: '{code}' is not a current GSS code; correct it "
                               f"(see `nbutils areas`)") from None
    return NeighbourSet(entry.name, entry.source, tuple(areas))
