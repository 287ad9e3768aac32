"""What commissioners can do: an action fires only on a significant difference (or a whole-population count's).

Real figures (overview scorecards of the store): Hartlepool's 2023 infant mortality 7.5 per 1,000 against
England's 3.9 (ONS via DfE LAIT, values only: no interval, so not tested), its 2022 under-18 conceptions 22.4 against
13.9 (values only), its Reception obesity 14.3% against 10.5% (Fingertips: significantly worse, 95% intervals);
Kensington and Chelsea's overcrowded households 8.1% against England's 4.4% (Census 2021, a whole-population count).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def hartlepool(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import overview

    area = resolve("Hartlepool")
    return area, overview.scorecard(area)


def test_an_untested_difference_fires_no_action_and_is_named_as_not_tested(hartlepool):
    from nbutils.topics import actions

    area, card = hartlepool
    sudi = actions.actions(area, "sudi", card)
    # 7.5 against 3.9 with no interval: never "worse than England", never an action.
    assert not sudi.triggered_by.str.contains("Infant mortality").any()
    assert not sudi.triggered_by.str.contains("worse than \\(not tested", regex=True).any()
    assert "young_parents" not in sudi.action_id.tolist()
    text = actions.actions_html(area, "sudi", sudi, card)
    assert "Not tested for significance, so no action is triggered" in text
    assert "7.5 in Hartlepool, 2023" in text and "higher than England&#39;s 3.9" in text
    assert "worse than (not tested" not in text


def test_a_significant_difference_fires_and_says_so(hartlepool):
    from nbutils.topics import actions

    area, card = hartlepool
    nutrition = actions.actions(area, "nutrition", card)
    fired = " ".join(nutrition.triggered_by)
    assert "14.3% in Hartlepool" in fired and "significantly worse than England's 10.5%" in fired


def test_a_whole_population_count_fires_on_its_difference_and_says_why(store_ready):
    from nbutils.areas import resolve
    from nbutils.topics import actions, overview

    area = resolve("Kensington and Chelsea")
    table = actions.actions(area, "housing", overview.scorecard(area))
    fired = " ".join(table.triggered_by)
    assert "8.1% in Kensington and Chelsea" in fired and "higher than England's 4.4%" in fired
    assert "whole-population count" in fired and "significantly" not in fired.split("8.1%")[1].split(".")[0]
