"""Ethnicity topic: Census 2021 ethnic groups, language and recent migration for a district and its comparators.

Each function returns a tidy frame (one row per area x category) ready to export, or sentences for the key
messages; the notebook only arranges them on the page.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .. import narrative, query
from ..areas import Area
from . import places
from ..sources.census import ETHNIC_GROUPS
from ..tables import Column, TableSpec, across, format_number

SHORT = {label: short for label, short, _ in ETHNIC_GROUPS}
BROAD = {label: broad for label, _, broad in ETHNIC_GROUPS}
WHITE_BRITISH = "White: English, Welsh, Scottish, Northern Irish or British"
FOCUS_GROUPS = ["White: Gypsy or Irish Traveller", "White: Roma"]
SOURCE = "ONS Census 2021 (TS021), OGL v3"

# ONS's five high-level groups (TS021 order), keyed by the broad group of each of the 19 detailed groups.
HIGH_LEVEL = {
    "Asian": "Asian, Asian British or Asian Welsh",
    "Black": "Black, Black British, Black Welsh, Caribbean or African",
    "Mixed": "Mixed or Multiple ethnic groups",
    "White": "White",
    "Other": "Other ethnic group",
}
WHITE_SPLIT = ["White: English, Welsh, Scottish, Northern Irish or British", "White: other than British"]

LANGUAGE_INDICATORS = {
    "census_main_language_not_english": "Main language is not English",
    "census_cannot_speak_english_well": "Cannot speak English well or at all",
    "census_migrant_outside_uk": "Lived outside the UK a year before",
}


def group_shares(area: Area) -> pd.DataFrame:
    """The 19 detailed groups: count, residents and share for the area, its county, region and England."""
    frame = query.with_comparators("census_ethnic_group", area)
    frame = frame.assign(group=frame.category.map(SHORT), broad_group=frame.category.map(BROAD))
    frame = frame.rename(columns={"denominator": "residents", "value": "share_pct"})
    return frame[["area_code", "area_name", "role", "period", "broad_group", "group", "category", "count",
                  "residents", "share_pct", "source"]]


def broad_shares(groups: pd.DataFrame) -> pd.DataFrame:
    """Five broad groups (White British shown apart from other White groups) per comparison area."""
    labelled = groups.assign(
        broad=groups.broad_group.where(groups.category != WHITE_BRITISH, "White British").replace(
            {"White": "White (other than British)", "Other": "Other ethnic group", "Mixed": "Mixed or multiple"}
        )
    )
    order = ["White British", "White (other than British)", "Asian", "Black", "Mixed or multiple",
             "Other ethnic group"]
    out = (labelled.groupby(["area_code", "area_name", "role", "period", "broad"], sort=False, as_index=False)
           .agg(count=("count", "sum"), residents=("residents", "first")))
    out["share_pct"] = out["count"] / out["residents"] * 100
    out["broad"] = pd.Categorical(out["broad"], order, ordered=True)
    return out.sort_values(["role", "broad"], key=lambda s: s.map(query.ROLE_ORDER) if s.name == "role" else s,
                            kind="stable").reset_index(drop=True)


def high_level_shares(groups: pd.DataFrame) -> pd.DataFrame:
    """ONS's five high-level groups (the sums of their detailed groups), then White split into British and other.

    One row per comparison area x group: ``level`` is "high-level" for the five groups, as ONS publishes them
    and equality assessments quote them, and "White split" for White British and the other White groups.
    """
    keys = ["area_code", "area_name", "role", "period"]
    high = (groups.groupby(keys + ["broad_group"], sort=False, as_index=False)
            .agg(count=("count", "sum"), residents=("residents", "first")))
    high = high.assign(group=high.broad_group.map(HIGH_LEVEL), level="high-level")
    white = groups[groups.broad_group == "White"].assign(
        group=lambda g: g.category.where(g.category == WHITE_BRITISH, WHITE_SPLIT[1]))
    split = (white.groupby(keys + ["group"], sort=False, as_index=False)
             .agg(count=("count", "sum"), residents=("residents", "first"))).assign(level="White split")
    out = pd.concat([high.drop(columns="broad_group"), split], ignore_index=True)
    out["share_pct"] = out["count"] / out["residents"] * 100
    order = {g: i for i, g in enumerate(list(HIGH_LEVEL.values()) + WHITE_SPLIT)}
    out = out.sort_values(["role", "group"], kind="stable",
                          key=lambda s: s.map(query.ROLE_ORDER) if s.name == "role" else s.map(order))
    return out[keys + ["level", "group", "count", "residents", "share_pct"]].reset_index(drop=True)


def high_level_view(high: pd.DataFrame) -> pd.DataFrame:
    """Readers' table of :func:`high_level_shares`: groups down, the area's residents, shares by area across."""
    shown = high.assign(group=high.group.where(high.level == "high-level", "of which " + high.group))
    table = across(shown, "group", "share_pct", decimals=1, label="Ethnic group (ONS high-level)",
                   role_order=query.ROLE_ORDER)
    here = shown[shown.role == "area"].set_index("group")["count"]
    table.insert(1, f"Residents in {shown[shown.role == 'area'].area_name.iloc[0]}" if len(here) else "Residents",
                 [format_number(here.get(g), 0) or "[x]" for g in table.iloc[:, 0]])
    table.columns = [table.columns[0], table.columns[1]] + [f"{c} (%)" for c in table.columns[2:]]
    return table


def minority_summary(groups: pd.DataFrame) -> pd.DataFrame:
    """Residents, White British share and ethnic-minority share (everyone else) per comparison area."""
    rows = []
    for (code, name, role), g in groups.groupby(["area_code", "area_name", "role"], sort=False):
        residents = g.residents.iloc[0]
        white_british = g.loc[g.category == WHITE_BRITISH, "count"].sum()
        non_white = g.loc[g.broad_group != "White", "count"].sum()
        rows.append({
            "area_code": code, "area_name": name, "role": role, "period": "2021", "residents": residents,
            "white_british": white_british, "white_british_pct": white_british / residents * 100,
            "ethnic_minority": residents - white_british,
            "ethnic_minority_pct": (residents - white_british) / residents * 100,
            "non_white": non_white, "non_white_pct": non_white / residents * 100,
        })
    return pd.DataFrame(rows)


def focus_groups(groups: pd.DataFrame) -> pd.DataFrame:
    """Gypsy or Irish Traveller and Roma residents per comparison area, with the ratio to England's share."""
    focus = groups[groups.category.isin(FOCUS_GROUPS)].copy()
    england = focus[focus.role == "england"].set_index("category")["share_pct"]
    focus["ratio_to_england"] = focus.share_pct / focus.category.map(england)
    return focus[["area_code", "area_name", "role", "period", "group", "count", "residents", "share_pct",
                  "ratio_to_england"]].reset_index(drop=True)


def largest_minority_groups(groups: pd.DataFrame, role: str = "area", n: int = 5) -> pd.DataFrame:
    """The ``n`` largest groups other than White British in one comparison area."""
    here = groups[(groups.role == role) & (groups.category != WHITE_BRITISH)]
    return here.nlargest(n, "count")[["group", "broad_group", "count", "share_pct"]].reset_index(drop=True)


def language_and_migration(area: Area) -> pd.DataFrame:
    """Language and recent-migration measures for the area and comparators (tidy: one row per measure x area)."""
    pieces = []
    for indicator_id, label in LANGUAGE_INDICATORS.items():
        frame = query.with_comparators(indicator_id, area).assign(measure=label, indicator_id=indicator_id)
        pieces.append(frame)
    out = pd.concat(pieces, ignore_index=True).rename(columns={"value": "share_pct"})
    return out[["indicator_id", "measure", "area_code", "area_name", "role", "period", "count", "denominator",
                "share_pct", "value_note"]]


def msoa_profile(area: Area) -> pd.DataFrame:
    """Per MSOA in the district: residents, ethnic-minority share, largest minority group, language, migration."""
    ethnic = query.small_areas("census_ethnic_group", area)
    totals = ethnic.groupby(["area_code", "area_name"], as_index=False).agg(residents=("denominator", "first"))
    white_british = ethnic[ethnic.category == WHITE_BRITISH].set_index("area_code")["count"]
    totals["ethnic_minority"] = totals.residents - totals.area_code.map(white_british)
    totals["ethnic_minority_pct"] = totals.ethnic_minority / totals.residents * 100
    others = ethnic[ethnic.category != WHITE_BRITISH].sort_values("count", ascending=False)
    top = others.drop_duplicates("area_code").set_index("area_code")
    totals["largest_minority_group"] = totals.area_code.map(top.category.map(SHORT))
    totals["largest_minority_group_pct"] = totals.area_code.map(top["value"])
    for indicator_id, column in (("census_cannot_speak_english_well", "cannot_speak_english_well_pct"),
                                 ("census_main_language_not_english", "main_language_not_english_pct"),
                                 ("census_migrant_outside_uk", "migrant_outside_uk_pct")):
        values = query.small_areas(indicator_id, area).set_index("area_code")["value"]
        totals[column] = totals.area_code.map(values)
    totals["period"] = "2021"
    totals = places.named_msoas(totals)
    return totals.sort_values("ethnic_minority_pct", ascending=False).reset_index(drop=True)


def msoa_shapes(profile: pd.DataFrame, area: Area):
    """MSOA boundaries joined to the profile, with formatted tooltip text; and the district outline."""
    return places.msoa_shapes(profile, area, numbers=("residents",), percent=(
        "ethnic_minority_pct", "cannot_speak_english_well_pct", "main_language_not_english_pct",
        "migrant_outside_uk_pct"))


@dataclass(frozen=True, kw_only=True, eq=False)  # eq=False: a DataFrame's == is cell by cell
class MessageInputs:
    """The tables the key messages are computed from, each as the function named beside it returns it."""

    groups: pd.DataFrame  #: :func:`group_shares`
    summary: pd.DataFrame  #: :func:`minority_summary`
    focus: pd.DataFrame  #: :func:`focus_groups`
    language: pd.DataFrame  #: :func:`language_and_migration`
    profile: pd.DataFrame  #: :func:`msoa_profile`


def key_messages(area: Area, inputs: MessageInputs) -> list[str]:
    """Three to five plain-English messages, computed from the page's tables."""
    groups, focus, language, profile = inputs.groups, inputs.focus, inputs.language, inputs.profile
    by_role = inputs.summary.set_index("role")
    here, england = by_role.loc["area"], by_role.loc["england"]
    upper = by_role.loc["county"] if "county" in by_role.index else None
    comparison = narrative.describe_difference(here.ethnic_minority_pct, england.ethnic_minority_pct, "England")
    if upper is not None:
        comparison += f" and {narrative.describe_difference(here.ethnic_minority_pct, upper.ethnic_minority_pct, upper.area_name)}"
    messages = [
        f"In 2021, {narrative.pct(here.ethnic_minority_pct)} of {area.name}'s {narrative.number(here.residents)} "
        f"residents ({narrative.number(here.ethnic_minority)} people) were from ethnic minority groups, that is any "
        f"group other than White British: {comparison}."
    ]
    largest = largest_minority_groups(groups, n=3)
    messages.append(
        "The largest ethnic minority groups were "
        + narrative.list_phrase([f"{r.group} ({narrative.pct(r.share_pct)}, {narrative.number(r['count'])} people)"
                                 for _, r in largest.iterrows()])
        + "."
    )
    focus_here = focus[focus.role == "area"]
    parts = []
    for _, row in focus_here.iterrows():
        england_share = focus[(focus.role == "england") & (focus.group == row.group)].share_pct.iloc[0]
        ratio = row.ratio_to_england
        if ratio >= 1.5:
            relation = f"{narrative.times(ratio)} England's share of {narrative.pct(england_share, 2)}"
        elif ratio <= 1 / 1.5:
            relation = f"below England's share of {narrative.pct(england_share, 2)}"
        else:
            relation = f"close to England's share of {narrative.pct(england_share, 2)}"
        parts.append(f"{narrative.number(row['count'])} residents identified as {row.group} "
                     f"({narrative.pct(row.share_pct, 2)} of residents, {relation})")
    if parts:
        messages.append(narrative.list_phrase(parts) + ". Family hubs and infant feeding teams name both "
                        "communities among those least likely to use services.")
    cannot = language[(language.indicator_id == "census_cannot_speak_english_well")].set_index("role")
    messages.append(
        f"{narrative.number(cannot.loc['area', 'count'])} residents aged 3 and over "
        f"({narrative.pct(cannot.loc['area', 'share_pct'])}) cannot speak English well or at all, "
        f"{narrative.describe_difference(cannot.loc['area', 'share_pct'], cannot.loc['england', 'share_pct'], 'England')}."
    )
    if len(profile) >= 2:
        top = profile.head(2)
        messages.append(
            "Ethnic minority residents are most concentrated in "
            + narrative.list_phrase([f"{r.area_name} ({narrative.pct(r.ethnic_minority_pct)})" for r in top.itertuples()])
            + f", against {narrative.pct(here.ethnic_minority_pct)} across {area.name} (see the map)."
        )
    return messages


FOCUS_TABLE = TableSpec([
    Column("group", "Group", kind="text"),
    Column("area_name", "Area", kind="text"),
    Column("count", "Residents in group", kind="count"),
    Column("share_pct", "Share of residents", kind="percent", decimals=2),
    Column("ratio_to_england", "Compared with England's share", unit="times", decimals=1),
])

MSOA_TABLE = TableSpec([
    Column("area_name", "MSOA", kind="text"),
    Column("residents", "Residents", kind="count"),
    Column("ethnic_minority_pct", "Ethnic minority", kind="percent"),
    Column("largest_minority_group", "Largest minority group", kind="text"),
    Column("largest_minority_group_pct", "Largest minority group's share", kind="percent"),
    Column("cannot_speak_english_well_pct", "Cannot speak English well", kind="percent"),
    Column("migrant_outside_uk_pct", "Arrived from outside UK in past year", kind="percent"),
])


def msoa_view(profile: pd.DataFrame) -> pd.DataFrame:
    """Reader-friendly view of :func:`msoa_profile` (the page passes :data:`MSOA_TABLE` instead)."""
    return MSOA_TABLE.render(profile)
