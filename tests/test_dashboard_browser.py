"""Kent's dashboard on a phone (390 px wide) in headless Chromium: every value and comparison is on screen without
sideways scrolling, one card per indicator. Chromium is driven as in tests/test_browser.py."""

from __future__ import annotations

import re

import pytest

from conftest import ROOT, run_cli

ARTIFACTS = ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("store_ready")]


@pytest.fixture(scope="module")
def phone(browser):
    context = browser.new_context(viewport=PHONE, device_scale_factor=1)
    context.route(re.compile(r"^https?://"), lambda route: route.abort())
    yield context.new_page()
    context.close()


@pytest.fixture(scope="module")
def kent_pack(tmp_path_factory):
    out = tmp_path_factory.mktemp("dashboard-phone")
    result = run_cli("run", "E10000016", "--topics", "overview", "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    return out


#: Every cell a reader needs, as (selector, what it is).
CELLS = [
    (".nbu-service tbody td", "service performance cell"),
    (".nbu-dashboard:not(.nbu-service):not(.nbu-grid-wrap) tbody td", "outcome cell"),
    (".nbu-grid tbody td", "district grid cell"),
]


@pytest.mark.parametrize("page_name", ["overview", "index"])
def test_every_dashboard_value_and_comparison_is_visible_at_390_px_without_sideways_scrolling(phone, kent_pack,
                                                                                              page_name):
    path = (kent_pack / "E10000016-kent" / "overview.html" if page_name == "overview"
            else kent_pack / "index.html")
    phone.goto(path.as_uri())
    phone.wait_for_load_state("load")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    for selector, what in CELLS:
        boxes = phone.eval_on_selector_all(selector, """cells => cells.map(c => {
            const r = c.getBoundingClientRect();
            return {text: c.innerText.trim(), left: r.left, right: r.right, width: r.width,
                    shown: getComputedStyle(c).display !== 'none' && getComputedStyle(c).visibility !== 'hidden'};
        })""")
        assert boxes, f"no {what} on the {page_name} page"
        for box in boxes:
            assert box["shown"] and box["width"] > 0, f"{what} hidden: {box['text'][:60]}"
            assert box["left"] >= 0 and box["right"] <= PHONE["width"] + 0.5, \
                f"{what} off screen ({box['left']:.0f}-{box['right']:.0f} px): {box['text'][:60]}"
    # Each card names what it shows: value, comparison with England, direction and England's value.
    labels = phone.eval_on_selector_all(
        ".nbu-dashboard:not(.nbu-service):not(.nbu-grid-wrap) tbody tr:first-child td",
        "cells => cells.map(c => getComputedStyle(c, '::before').content)")
    for name in ("Value", "Compared with England", "Direction of travel", "England"):
        assert f'"{name}: "' in labels
    if page_name == "overview":
        ARTIFACTS.mkdir(exist_ok=True)
        phone.screenshot(path=str(ARTIFACTS / "kent-dashboard-390px.png"), full_page=False)
