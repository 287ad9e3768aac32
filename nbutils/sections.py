"""Page sections built from several topic helpers: 'What would it take' (the seven levers and the gap to England),
the levers that act through SUDI, 'What commissioners can do' (actions fired by the area's figures) and the print
pointers for sections the printed pack leaves to the web page. Each is one call from a notebook cell."""

from __future__ import annotations

import pandas as pd

from . import fragments, query
from .topics import actions as actions_model
from .topics import levers, overview


def _name_local(pack, indicator_id: str) -> None:
    """Name the local dataset in the footer when the area's (or its county's) own figure was used."""
    codes = [c for c in (pack.area.code, pack.area.upper_tier_code) if c]
    rows = query.local_values(indicator_id, codes)
    if len(rows):
        pack.used_local(rows)


#: The levers of the national report that act through sudden unexpected death in infancy (the report: overcrowding
#: appears to act through SUDI; smoking, bed-sharing and prone sleeping, and not breastfeeding are SUDI risks).
SUDI_LEVERS = ("smoking", "sudi", "overcrowding", "breastfeeding")


def what_it_takes(pack, card: pd.DataFrame) -> None:
    """The seven levers for the area and its gap to England in infant deaths a year (the national check table is
    :func:`lever_check`, in a cell of its own so that the printed pack can leave it to the web page)."""
    area = pack.area
    nat = levers.national()
    deaths = levers.infant_deaths(area)
    if deaths is None:
        pack.missing(f"Infant deaths a year for {area.name}", "ONS infant mortality (Health Index, DfE LAIT)",
                     levers.no_deaths_reason(area) + ".")
    else:
        gap = levers.gap_table(deaths)
        pack.note(levers.gap_sentence(gap))
        pack.table(gap, "infant_deaths_gap_to_england",
                   f"Infant deaths a year, {area.name}, against England's rate ({deaths.source}; births: "
                   f"{levers.BIRTHS_SOURCE})", shown=levers.gap_view(gap))
    table = levers.lever_table(area, card, deaths, nat)
    pack.note(*levers.lever_sentences(area, table, deaths, nat))
    pack.table(table, "what_would_it_take_levers",
               f"The seven levers of the national report applied to {area.name}: infant deaths a year prevented",
               shown=levers.lever_view(table))
    _name_local(pack, "breastfeeding_6_8_weeks")
    print_pointer(pack, "The check of the model against the national report's published figures",
                  "levers_national_check")


def lever_check(pack) -> None:
    """The national check table: the report's published contributions against the model."""
    nat = levers.national()
    check = levers.check_table(nat)
    pack.table(check, "levers_national_check",
               f"Check: the national report's published contributions against the model ({nat.source}; gap "
               f"{nat.gap_pct:g}% in {nat.gap_period}, {nat.share_pct:g}% of deaths in the R&M group)",
               shown=levers.check_view(check))


def sudi_levers(pack, card: pd.DataFrame | None = None) -> None:
    """The rows of the overview's seven-lever model that act through SUDI, for the SUDI page: the same planning model
    and the same figures as the overview's 'What would it take?', not a second model."""
    area = pack.area
    card = card if card is not None else overview.scorecard(area)
    nat = levers.national()
    deaths = levers.infant_deaths(area)
    table = levers.lever_table(area, card, deaths, nat)
    rows = table[table.key.isin(SUDI_LEVERS)].drop(columns="levers_included").reset_index(drop=True)
    pack.note(*levers.sudi_lever_sentences(area, rows, deaths))
    pack.table(rows, "what_would_it_take_sudi_levers",
               f"The levers that act through SUDI, {area.name}: infant deaths a year prevented (rows of the "
               "overview's seven-lever model)", shown=levers.lever_view(rows))
    if (rows.key == "breastfeeding").any():
        _name_local(pack, "breastfeeding_6_8_weeks")


def print_pointer(pack, what: str, name: str, extra_class: str = "") -> None:
    """A line printed in place of a section that the printed pack leaves to the web page (a cell tagged
    ``screen-only``): what it is and where to find it. Hidden on screen, where the section itself is shown."""
    pack.html(fragments.render("report/print_pointer", what=what, topic=pack.topic, name=name, extra_class=extra_class))


def dashboard_print_pointers(pack) -> None:
    """An upper-tier overview in print: the lines that stand for the sections it leaves to the web page.

    Counties and unitary authorities print the landscape dashboard, which carries every headline outcome against
    England, the region and the neighbours; to hold the overview's page budget, the spine chart and the
    scale-of-need calculator (cells tagged ``screen-only-dashboard``) print only as these lines. The lines carry
    the class ``nbu-dashboard-pointer``, and the print stylesheet hides those cells only on a page that has one.
    A district prints both sections and nothing here.
    """
    if not (pack.area.is_county or pack.area.is_unitary):
        return
    for what, name in (("Headline indicators: the spine chart against England and English districts, and the full "
                        "table with intervals, trends and positions among districts", "scorecard"),
                       ("Scale of need (the perinatal mental health calculator, its inputs, arithmetic and the "
                        "sensitivity table)", "scale_of_need")):
        print_pointer(pack, what, name, extra_class=" nbu-dashboard-pointer")


def actions(pack, card: pd.DataFrame | None = None) -> None:
    """'What commissioners can do' for the page's topic: at most five actions, each with its figure and evidence."""
    if card is None:  # only the rows this page's actions read: each row stands alone, so they are the same rows
        read = {t.indicator for a in actions_model.evidence().actions if pack.topic in a.topics for t in a.triggers}
        card = overview.scorecard(pack.area, [h for h in overview.HEADLINES if h.indicator_id in read] or None)
    table = actions_model.actions(pack.area, pack.topic, card)
    pack.html(actions_model.actions_html(pack.area, pack.topic, table, card))
    if len(table):
        pack.export(table, "actions")
    if (table.action_id == "baby_friendly").any():
        _name_local(pack, "breastfeeding_6_8_weeks")
