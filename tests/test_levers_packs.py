"""Issue 22 end to end: Swale, Kent County Council and Coventry packs (overview and the smoking page) show the seven
levers with deaths a year, the gap to England, the national check, and actions with their figures and evidence;
nothing on Coventry's pages names Kent's assumptions."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli

pytestmark = pytest.mark.slow

AREAS = {"E07000113": "swale", "E10000016": "kent", "E08000026": "coventry"}
LEVERS = ["Child poverty halved", "Maternal obesity in the R&amp;M group down to the population level",
          "Smoking in pregnancy, R&amp;M group 23% to 15%", "Overcrowding reduced",
          "One in ten R&amp;M mothers avoiding bed-sharing or prone sleeping", "Under-18 conceptions halved",
          "Breastfeeding initiation, R&amp;M group 67% to 83%", "All seven together"]

# Headings as rendered (the page's contents list repeats the notebook's headings as links).
KEY_MESSAGES_H2, LEVERS_H2 = "<h2>Key messages", '<h2 id="What-would-it-take?">'
ACTIONS_H2, NEXT_H2 = '<h2 id="What-commissioners-can-do">', '<h2 id="Adult-smoking-over-time">'


@pytest.fixture(scope="module")
def packs(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("levers-packs")
    result = run_cli("run", *AREAS, "--topics", "overview,smoking", "--out", str(out), "--jobs", "2", timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def page(packs: Path, code: str, topic: str) -> str:
    return (packs / f"{code}-{AREAS[code]}" / f"{topic}.html").read_text()


def words(text: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text)))


@pytest.mark.parametrize("code", list(AREAS))
def test_overview_has_the_seven_levers_the_gap_and_the_check(packs, code):
    text = page(packs, code, "overview")
    section = text[text.index(LEVERS_H2):text.index('<h2 id="Headline-indicators">')]
    for lever in LEVERS:
        assert section.count(lever) >= 1, lever
    plain = words(section)
    assert "Infant deaths a year prevented (95% interval)" in plain
    assert "More (+) or fewer (-) a year than at England's rate (95% interval)" in plain
    assert "not added" in plain and "1 - (1 - f1)(1 - f2)...(1 - f7)" in plain
    assert re.search(r"Together the seven changes would prevent about \d+\.\d infant deaths a year", plain)
    assert "The report's total is the plain sum of the seven (15.6)" in plain
    levers = pd.read_csv(packs / f"{code}-{AREAS[code]}" / "overview" / "what_would_it_take_levers.csv")
    assert len(levers) == 8 and levers.deaths_prevented_a_year.notna().iloc[-1]
    gap = pd.read_csv(packs / f"{code}-{AREAS[code]}" / "overview" / "infant_deaths_gap_to_england.csv")
    assert gap.excess_deaths_a_year.notna().all()
    # The key messages come first, then the lever section.
    assert text.index(KEY_MESSAGES_H2) < text.index(LEVERS_H2)


def test_swale_overview_leads_with_its_own_breastfeeding_figure(packs):
    plain = words(page(packs, "E07000113", "overview"))
    assert "Breastfeeding at 6-8 weeks in Swale was 38.9% in 2022/23 against 51.3% across Kent" in plain
    assert "about 210 more babies a year" in plain


@pytest.mark.parametrize("code, action", [("E07000113", "carbon monoxide testing"),
                                          ("E10000016", "carbon monoxide testing"),
                                          ("E08000026", "routine-and-manual workers")])
def test_smoking_page_has_actions_with_their_figure_and_evidence(packs, code, action):
    text = page(packs, code, "smoking")
    assert text.index(KEY_MESSAGES_H2) < text.index(ACTIONS_H2) < text.index(NEXT_H2)
    plain = words(text[text.index(ACTIONS_H2):text.index(NEXT_H2)])
    assert action in plain and "Why here:" in plain
    assert 'NICE guideline NG209, "Tobacco: preventing uptake, promoting quitting and treating dependence"' in plain
    assert plain.count("Why here:") <= 5


def test_coventry_pages_never_name_kents_assumptions(packs):
    for topic in ("overview", "smoking"):
        plain = words(page(packs, "E08000026", topic))
        assert "Kent County Council" not in plain and "Kent's assumptions" not in plain
    plain = words(page(packs, "E08000026", "overview"))
    assert "Coventry's own published inputs" in plain
