"""The area registry: every current English district, unitary authority and county, its comparators and the area sets.

Look-ups accept a GSS code or a name (case-insensitive; '&' = 'and'; ', City of' forms; for counties also
"Kent County Council", "Kent county", "County of Kent"), suggest the nearest names on a typo, and explain codes
abolished in the April 2023 reorganisations (Cumbria, North Yorkshire, Somerset) instead of failing silently.

Names that are also area-set names: on the command line an area-set name always means the set (``nbutils run
kent`` is parameters/kent.yaml); :func:`resolve_targets` says so and how to ask for the area itself (its code).
"""

from __future__ import annotations

import difflib
import functools
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from . import paths, store_state
from .errors import AreaSetError, UnknownAreaError
from .names import aliases, county_aliases, normalise

CODE_PATTERN = re.compile(r"^[EWSN]\d{8}$", re.IGNORECASE)


@dataclass(frozen=True)
class Area:
    """A geography the workbook reports on or compares with."""

    code: str
    name: str
    area_type: str  # 'lad', 'county', 'region', 'england' or 'combined'
    kind: str = ""  # 'district', 'unitary authority', 'metropolitan borough', 'London borough', 'county' or
    # 'combined area'
    upper_tier_code: str | None = None
    region_code: str | None = None
    members: tuple[str, ...] = ()  # a combined area's member codes (declared in an area set file)

    @property
    def slug(self) -> str:
        """File-system friendly name, e.g. 'tonbridge-and-malling'."""
        return re.sub(r"[^a-z0-9]+", "-", normalise(self.name)).strip("-")

    @property
    def folder(self) -> str:
        """Output folder name: '<code>-<slug>' ('combined-bi-borough' for a combined area, whose code says it)."""
        return self.code if self.is_combined else f"{self.code}-{self.slug}"

    @property
    def shows_parts(self) -> bool:
        """True for a county or a combined area: a rate published only for the authorities it is made of (no
        counts to sum) is shown for each of them, never averaged."""
        return self.is_county or self.is_combined

    @property
    def parts_name(self) -> str:
        """What the authorities it is made of are called: 'districts' (a county) or 'authorities'."""
        return "districts" if self.is_county else "authorities"

    @property
    def is_combined(self) -> bool:
        """True for a combined area: several authorities reported as one footprint (see :func:`combined_areas`)."""
        return self.area_type == "combined"

    @property
    def is_county(self) -> bool:
        """True for a county (upper tier of a two-tier area, E10 code)."""
        return self.area_type == "county"

    @property
    def is_unitary(self) -> bool:
        """True when the area is its own upper tier (unitary, metropolitan borough, London borough)."""
        return self.upper_tier_code == self.code

    def __str__(self) -> str:
        return f"{self.name} ({self.code})"


@dataclass(frozen=True)
class Comparator:
    """An area to compare with, and why it is one."""

    role: str  # 'county', 'region', 'england'
    area: Area
    label: str = field(default="")


def _area_from_row(row: dict) -> Area:
    """An area from a record of the store's registry index (:data:`nbutils.store_state.AREA_FIELDS`)."""
    def text(value):
        return value if isinstance(value, str) and value else None

    return Area(
        code=row["area_code"],
        name=row["area_name"],
        area_type=row["area_type"],
        kind=text(row["lad_kind"]) or ("county" if row["area_type"] == "county" else ""),
        upper_tier_code=text(row["upper_tier_code"]),
        region_code=text(row["region_code"]),
    )


class Registry:
    """All areas in the store (but MSOAs), with look-up by code or name.

    Parameters
    ----------
    index : the store's registry index, ``{"areas": [...], "predecessors": [...]}`` (default: read from the current
        store by :func:`nbutils.store_state.registry_index`, with the standard library only).
    """

    def __init__(self, index: dict | None = None) -> None:
        if index is None:
            folder = store_state.current_store()
            if folder is None:  # only a missing or stale store imports pandas, to build it
                from . import store

                folder = store.ensure()
            index = store_state.registry_index(folder)
        self._by_code = {row["area_code"]: _area_from_row(row) for row in index["areas"]
                         if row["area_type"] != "msoa"}
        self._england = next(a for a in self._by_code.values() if a.area_type == "england")
        self._districts = {code: a for code, a in self._by_code.items() if a.area_type == "lad"}
        self._counties = {code: a for code, a in self._by_code.items() if a.area_type == "county"}
        self._reportable = {**self._districts, **self._counties}
        self._by_name: dict[str, str] = {}
        # County forms first, so a district's own name always wins a clash (none exists in 2023 geography).
        for code, area in self._counties.items():
            for alias in county_aliases(area.name):
                self._by_name[alias] = code
        for code, area in self._districts.items():
            for alias in aliases(area.name):
                self._by_name[alias] = code
        self._predecessors = {row["lad22_code"]: (row["lad22_name"], row["lad_code"]) for row in index["predecessors"]}
        self._predecessor_names = {normalise(name): code for code, (name, _) in self._predecessors.items()}

    # ----- look-ups
    def districts(self) -> list[Area]:
        """Every current English district and unitary authority, by code."""
        return sorted(self._districts.values(), key=lambda a: a.code)

    def counties(self) -> list[Area]:
        """Every county (upper tier of a two-tier area), by code."""
        return sorted(self._counties.values(), key=lambda a: a.code)

    def reportable(self) -> list[Area]:
        """Every area a pack can be built for: districts, unitary authorities and counties, by code."""
        return sorted(self._reportable.values(), key=lambda a: a.code)

    def get(self, code: str) -> Area:
        """Any known area (district, county, region, England, combined area) by exact code."""
        try:
            return self._by_code[code.upper()]
        except KeyError:
            combined = combined_areas().get(code.lower())
            if combined is None:
                raise UnknownAreaError(f"no area with code {code}") from None
            return combined

    def resolve(self, query: str) -> Area:
        """Find a current district, unitary authority or county by GSS code or name.

        Raises
        ------
        UnknownAreaError
            With a 'did you mean' suggestion, or the successor of a code abolished in 2023.
        """
        text = str(query).strip()
        if not text:
            raise UnknownAreaError("no area given: pass a district, unitary authority or county name or code, "
                                   "e.g. Swale")
        if CODE_PATTERN.match(text):
            code = text.upper()
            if code in self._reportable:
                return self._reportable[code]
            if code in self._predecessors:
                raise UnknownAreaError(self._abolished_message(code))
            if code in self._by_code:
                area = self._by_code[code]
                raise UnknownAreaError(
                    f"{area.name} ({code}) is a {area.area_type}, not a district, unitary authority or county: "
                    f"run `nbutils areas` to list them, or name the areas in an area set"
                )
            raise UnknownAreaError(
                f"{code} is not a current English district, unitary authority or county code: "
                f"run `nbutils areas` to list them"
            )
        key = normalise(text)
        if key in self._by_name:
            return self._reportable[self._by_name[key]]
        combined = {normalise(a.name): a for a in combined_areas().values()}
        combined.update({normalise(a.code): a for a in combined_areas().values()})
        if key in combined:
            return combined[key]
        if key in self._predecessor_names:
            raise UnknownAreaError(self._abolished_message(self._predecessor_names[key]))
        suggestions = difflib.get_close_matches(key, list(self._by_name), n=3, cutoff=0.6)
        names = list(dict.fromkeys(self._reportable[self._by_name[s]].name for s in suggestions))
        hint = f"; did you mean {' or '.join(names)}?" if names else "; run `nbutils areas` to list them"
        raise UnknownAreaError(f"'{text}' is not an English district, unitary authority or county{hint}")

    def _abolished_message(self, old_code: str) -> str:
        old_name, new_code = self._predecessors[old_code]
        new = self._districts[new_code]
        return (
            f"{old_name} ({old_code}) was abolished in April 2023 and is now part of {new.name} ({new.code}); "
            f"run the workbook for {new.name}"
        )

    # ----- relationships
    def comparators(self, area: Area) -> list[Comparator]:
        """The county (for two-tier districts), the region and England, in that order (a county: region, England).

        A combined area has the county and region its members share (a parent they do not share is left out)."""
        out = []
        if area.is_combined:
            members = self.members(area)
            area = Area(area.code, area.name, "combined",
                        upper_tier_code=_shared(a.upper_tier_code if not a.is_unitary else None for a in members),
                        region_code=_shared(a.region_code for a in members))
        if area.upper_tier_code and area.upper_tier_code != area.code and area.upper_tier_code in self._by_code:
            out.append(Comparator("county", self._by_code[area.upper_tier_code]))
        if area.region_code and area.region_code in self._by_code:
            out.append(Comparator("region", self._by_code[area.region_code]))
        out.append(Comparator("england", self._england))
        return out

    def members(self, area: Area) -> list[Area]:
        """A combined area's member authorities, as declared; empty for any other area."""
        return [self.get(code) for code in area.members]

    def district_codes(self, area: Area) -> list[str]:
        """The districts an area is made of: a county's districts, a combined area's members (a member county's
        districts), otherwise the area itself."""
        if area.is_combined:
            return [code for member in self.members(area) for code in self.district_codes(member)]
        return [a.code for a in self.districts_of(area)] if area.is_county else [area.code]

    def districts_of(self, county: Area) -> list[Area]:
        """The districts of a county, by name (empty for any other kind of area)."""
        if not county.is_county:
            return []
        return sorted((a for a in self._districts.values() if a.upper_tier_code == county.code), key=lambda a: a.name)

    def siblings(self, area: Area) -> list[Area]:
        """Areas to rank the area among: a county's own districts, a two-tier district's fellow districts, or a
        unitary with its DfE statistical neighbours (the authorities of its region only where it has none); a
        combined area's members."""
        if area.is_combined:
            return self.members(area)
        if area.is_county:
            return self.districts_of(area)
        if area.upper_tier_code and not area.is_unitary:
            members = [a for a in self._districts.values() if a.upper_tier_code == area.upper_tier_code]
        else:
            neighbours = self.statistical_neighbours(area)
            if neighbours:
                return sorted([area, *neighbours], key=lambda a: a.name)
            members = [a for a in self._districts.values() if a.region_code == area.region_code]
        return sorted(members, key=lambda a: a.name)

    def upper_tier(self, area: Area) -> Area | None:
        """The authority responsible for public health in the area: itself for a county or unitary, its county for
        a two-tier district (None where the registry holds no county, and for a combined area, which has several)."""
        if area.is_combined:
            return None
        if area.is_county or area.is_unitary:
            return area
        return self._by_code.get(area.upper_tier_code) if area.upper_tier_code else None

    def statistical_neighbours(self, area: Area) -> list[Area]:
        """The DfE statistical neighbours (May 2025) of a county or unitary, closest first.

        Two-tier districts, regions and England have none (no open neighbour table): an empty list.
        """
        if not (area.area_type == "county" or area.is_unitary):
            return []
        ranked = _ranked_neighbours()()  # the DfE table is read with pandas, only when asked for
        return [self._by_code[code] for code in ranked.get(area.code, ()) if code in self._by_code]

    def predecessors(self, area: Area) -> list[tuple[str, str]]:
        """(code, name) of the districts merged into ``area`` in April 2023, if any."""
        return [(code, name) for code, (name, new) in self._predecessors.items() if new == area.code]


@functools.cache
def _ranked_neighbours():
    """Each authority's DfE statistical neighbours, closest first, worked out once per store build
    (``store.per_build``; made on first use, so that importing this module does not import the store)."""
    from . import store

    @store.per_build(maxsize=1)  # looked up by every page of a batch: grouped once, not filtered per call
    def ranked() -> dict[str, tuple[str, ...]]:
        table = store.table("statistical_neighbours").sort_values(["area_code", "neighbour_rank"], kind="stable")
        return {code: tuple(rows.neighbour_code) for code, rows in table.groupby("area_code", sort=False)}
    return ranked


def _shared(values) -> str | None:
    """The one value every member has, or None."""
    distinct = set(values)
    return distinct.pop() if len(distinct) == 1 else None


_registry: Registry | None = None


def registry() -> Registry:
    """The registry, loaded once per process."""
    global _registry
    if _registry is None:
        _registry = Registry()
    return _registry


def resolve(query: str) -> Area:
    """Shortcut for ``registry().resolve(query)``."""
    return registry().resolve(query)


# --------------------------------------------------------------------------------------------------- area sets


class AreaSet(BaseModel):
    """An area set file, parameters/<name>.yaml."""

    model_config = ConfigDict(extra="forbid")

    name: str
    description: str = ""
    areas: list[str]
    #: Per authority, a neighbour list chosen instead of the DfE statistical neighbours (read by the dashboard).
    neighbours: dict[str, dict] = {}
    #: Combined areas: a name and the authorities (names or codes) reported together as one footprint, e.g.
    #: ``Bi-borough: [Kensington and Chelsea, Westminster]``. Each gets a pack of its own next to the set's areas.
    combined: dict[str, list[str]] = {}
    #: NHS trust codes (ODS) whose maternity units serve the set's areas, as the authority names them.
    maternity_trusts: list[str] = []

    @field_validator("maternity_trusts")
    @classmethod
    def _ods_codes(cls, value: list[str]) -> list[str]:
        bad = [code for code in value if not re.fullmatch(r"[A-Z0-9]{3,5}", str(code))]
        if bad:
            raise ValueError(f"'{bad[0]}' is not an NHS trust (ODS) code such as RN7")
        return value

    @field_validator("combined")
    @classmethod
    def _two_members(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        for name, members in value.items():
            if len(set(members)) < 2:
                raise ValueError(f"'{name}' must list at least two authorities")
        return value

    @field_validator("areas")
    @classmethod
    def _not_empty(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("lists no areas")
        return value


BUILT_IN_SETS = {"england": "every English district and unitary authority",
                 "counties": "every English county council (the upper tier of two-tier areas)"}
#: An area set name: a file stem in parameters/, never a path.
SET_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


def area_set_names() -> list[str]:
    """Names of the area sets in parameters/ plus the built-in 'england' and 'counties'."""
    files = {p.stem for p in paths.parameters_dir().glob("*.yaml") if SET_NAME.fullmatch(p.stem)}
    return sorted(files | set(BUILT_IN_SETS), key=str.lower)



def load_area_set(name: str) -> tuple[AreaSet, list[Area]]:
    """Read parameters/<name>.yaml (name in any case) and resolve its areas (all are checked before any is returned)."""
    if not SET_NAME.fullmatch(name):
        # Only files in parameters/ are area sets: a path such as ../../x must not read YAML from elsewhere.
        raise AreaSetError(f"'{name}' is not an area set name (letters, digits, '-' and '_' only); known sets: "
                           f"{', '.join(area_set_names())}")
    if name.lower() in BUILT_IN_SETS:
        areas = registry().districts() if name.lower() == "england" else registry().counties()
        return (AreaSet(name="England" if name.lower() == "england" else "Counties",
                        description=BUILT_IN_SETS[name.lower()], areas=[a.code for a in areas]), areas)
    files = {p.stem.lower(): p for p in paths.parameters_dir().glob("*.yaml")}
    path = files.get(name.lower())
    if path is None:
        raise AreaSetError(f"no area set '{name}': expected {paths.parameters_dir() / (name + '.yaml')}; "
                           f"known sets: {', '.join(area_set_names())}")
    return parse_area_set(path)


def parse_area_set(path: Path) -> tuple[AreaSet, list[Area]]:
    """Validate an area set file; raise AreaSetError naming the file and the problem."""
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as error:
        raise AreaSetError(f"{path.name} is not UTF-8 text (byte {error.start}): save it as UTF-8 "
                           "(see parameters/kent.yaml)") from None
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        raise AreaSetError(f"{path.name} is not valid YAML{where}: fix the file (see parameters/kent.yaml)") from None
    except OSError as error:
        raise AreaSetError(f"cannot read {path}: {error.strerror or error}") from None
    if not isinstance(content, dict):
        raise AreaSetError(f"{path.name} must be a mapping with 'name' and 'areas' keys (see parameters/kent.yaml)")
    try:
        area_set = AreaSet.model_validate(content)
    except ValidationError as error:
        first = error.errors()[0]
        field_name = ".".join(str(p) for p in first["loc"]) or "file"
        raise AreaSetError(f"{path.name}: '{field_name}' {first['msg'].lower()} (see parameters/kent.yaml)") from None
    resolved = []
    for entry in [*area_set.areas, *(member for members in area_set.combined.values() for member in members)]:
        try:
            resolved.append(registry().resolve(entry))
        except UnknownAreaError as error:
            raise AreaSetError(f"{path.name}: {error}") from None
    resolved = resolved[:len(area_set.areas)]
    resolved += [_combined_area(name, members) for name, members in area_set.combined.items()]
    return area_set, list(dict.fromkeys(resolved))


COMBINED_PREFIX = "combined-"


def _combined_area(name: str, members: list[str]) -> Area:
    """A combined area: its code is 'combined-<name as a slug>', its region the one its members share."""
    resolved = [registry().resolve(m) for m in members]
    slug = Area("", name, "combined").slug
    return Area(code=f"{COMBINED_PREFIX}{slug}", name=name, area_type="combined", kind="combined area",
                region_code=_shared(a.region_code for a in resolved),
                members=tuple(dict.fromkeys(a.code for a in resolved)))


def set_files() -> list[Path]:
    """The area set files in parameters/ (names that are valid set names)."""
    return sorted(p for p in paths.parameters_dir().glob("*.yaml") if SET_NAME.fullmatch(p.stem))


def combined_areas() -> dict[str, Area]:
    """Every combined area declared in parameters/*.yaml, by code (a set file that does not parse adds none: it is
    reported when the set itself is run)."""
    found = {}
    for path in set_files():
        try:
            content = yaml.safe_load(path.read_text(encoding="utf-8"))
            declared = AreaSet.model_validate(content).combined
            for name, members in declared.items():
                area = _combined_area(name, members)
                found[area.code] = area
        except (OSError, ValueError, yaml.YAMLError, UnknownAreaError, ValidationError):
            continue
    return found


def set_or_area_notes(targets: list[str]) -> list[str]:
    """One line per target that names both an area set and an area, saying which was meant and how to get the other.

    The rule: an area-set name always means the set (``kent`` is parameters/kent.yaml); the area alone is asked for
    by its GSS code (or another of its names, e.g. "Kent County Council").
    """
    sets = {name.lower() for name in area_set_names()}
    notes = []
    for target in dict.fromkeys(targets):
        if target.lower() not in sets or target.lower() in BUILT_IN_SETS:
            continue
        try:
            area = registry().resolve(target)
        except UnknownAreaError:
            continue
        area_set, _ = load_area_set(target.lower())
        what = f" ({area_set.description})" if area_set.description else ""
        alone = f"the {area.kind} alone" if area.kind else "the area alone"
        notes.append(f"'{target}' is the area set parameters/{target.lower()}.yaml{what}; "
                     f"for {alone} run {area.code}")
    return notes


def resolve_targets(targets: list[str]) -> list[Area]:
    """Turn command-line targets (area set names, area names or codes) into areas, in order, deduplicated.

    An area-set name always means the set (see :func:`set_or_area_notes`).
    """
    sets = {name.lower() for name in area_set_names()}
    areas: list[Area] = []
    for target in targets:
        if target.lower() in sets:
            areas.extend(load_area_set(target.lower())[1])
        else:
            areas.append(resolve(target))
    return list(dict.fromkeys(areas))
