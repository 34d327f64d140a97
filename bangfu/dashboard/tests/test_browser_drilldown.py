"""In Chromium: change the dashboard's scope, follow a figure to its records, same number."""

import re

import pytest

from bangfu.conftest import PASSWORD
from bangfu.dashboard.figures import BY_KEY, FigureSlice

pytestmark = pytest.mark.browser


def _number(text: str) -> int:
    return int(re.sub(r"\D", "", text))


def test_office_narrows_the_scope_and_follows_a_figure_to_its_records(page, live_world):
    world = live_world
    page.goto("/login/")
    page.get_by_label("用户名").fill("office")
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))
    assert _number(page.get_by_test_id("figure-villages_paired").inner_text()) == 2

    # Down the region tree: 贵州省 → 毕节市.
    page.get_by_test_id("region-children").get_by_role("link", name="贵州省").click()
    page.wait_for_url(re.compile(r"region=52$"))
    page.get_by_test_id("region-children").get_by_role("link", name="毕节市").click()
    page.wait_for_url(re.compile(r"region=5205$"))
    assert page.get_by_test_id("current-region").inner_text() == "毕节市 · 市州"
    assert _number(page.get_by_test_id("figure-villages_paired").inner_text()) == 1

    # Then a unit instead (choosing one submits the form), and follow a figure.
    page.get_by_test_id("region-tree").get_by_role("link", name="全部区域").click()
    page.locator("#id_unit").select_option(label="贵州省档案局")
    page.wait_for_url(re.compile(rf"unit={world.unit_b.pk}"))
    shown = _number(page.get_by_test_id("figure-member_visits").inner_text())
    expected = BY_KEY["member_visits"].value(FigureSlice(world.campaign, unit_id=world.unit_b.pk))
    assert shown == expected == 1
    page.get_by_test_id("records-member_visits").click()
    page.wait_for_url(re.compile(r"/dashboard/figures/member_visits/\?.*unit="))
    assert _number(page.get_by_test_id("figure-total").inner_text()) == shown
    assert _number(page.get_by_test_id("total").inner_text()) == shown
    assert page.get_by_role("cell", name="陆曙光").is_visible()
    assert "贵州省档案局" in page.get_by_test_id("slice-summary").inner_text()
