"""In a real Chromium: log in, land on the dashboard, read the figures; phone layout too."""

import re
from pathlib import Path

import pytest

from bangfu.conftest import PASSWORD
from bangfu.dashboard.figures import FigureSlice, compute_figures

pytestmark = pytest.mark.browser
SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"


def _log_in(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def test_office_logs_in_and_sees_the_figures(page, live_world):
    _log_in(page, "office")
    expected = compute_figures(FigureSlice(live_world.campaign))
    assert page.get_by_test_id("whoami").inner_text().startswith("office")
    for key in ("branches_paired", "villages_paired", "member_visits"):
        shown = page.get_by_test_id(f"figure-{key}").inner_text()
        assert int(re.sub(r"\D", "", shown)) == expected[key]
    assert page.get_by_text("结对帮村的党支部").is_visible()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "dashboard-desktop.png"), full_page=True)


def test_unit_committee_sees_its_own_slice_on_a_phone(phone_page, live_world):
    page = phone_page
    _log_in(page, "unit_a")
    assert page.get_by_test_id("figure-villages_paired").inner_text().replace("\n", "") == "1个"
    # The menu collapses behind a button on a phone and opens on tap.
    group = page.get_by_role("button", name="建档立卡")
    assert not group.is_visible()
    page.get_by_label("菜单").click()
    group.wait_for(state="visible")
    group.click()
    menu = page.get_by_role("link", name="贫困户", exact=True)
    menu.wait_for(state="visible")
    page.screenshot(path=str(SCREENSHOTS / "dashboard-phone.png"), full_page=True)
    menu.click()
    page.wait_for_url(re.compile(r"/registry/households/"))
    assert page.get_by_text("5205241162140001").is_visible()
    assert page.get_by_text("5227231022000001").count() == 0


def test_switching_to_english(page, live_world):
    _log_in(page, "office")
    page.get_by_role("button", name="English").click()
    page.wait_for_load_state()
    assert page.get_by_text("Branches paired with villages").is_visible()
    page.get_by_role("button", name="中文").click()
    page.wait_for_load_state()
    assert page.get_by_text("结对帮村的党支部").is_visible()
