"""In a real Chromium: the office freezes and publishes results; a unit committee, on a phone,
opens its score sheet and follows a point to the records behind it."""

import re
from decimal import Decimal

import pytest

from bangfu.assessment import services
from bangfu.assessment.models import ResultSet
from bangfu.assessment.tests.factories import make_scheme
from bangfu.conftest import PASSWORD

pytestmark = pytest.mark.browser


def _log_in(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def test_office_freezes_and_publishes_then_a_unit_follows_a_point_on_a_phone(
    browser, live_server, live_world
):
    scheme = make_scheme(live_world)
    manual = scheme.indicators.get(kind="manual")
    services.save_hand_score(manual, live_world.unit_a, Decimal(30), "创新做法多", None)

    context = browser.new_context(locale="zh-CN", base_url=live_server.url)
    page = context.new_page()
    _log_in(page, "office")
    page.goto(scheme.get_absolute_url())
    page.get_by_test_id("freeze").click()
    page.get_by_test_id("publish").click()
    page.wait_for_load_state()
    assert page.get_by_text("已发布").first.is_visible()
    context.close()
    assert ResultSet.objects.get().is_published

    context = browser.new_context(
        locale="zh-CN", base_url=live_server.url, viewport={"width": 375, "height": 812}
    )
    page = context.new_page()
    _log_in(page, "unit_a")
    page.locator(".navbar-toggler").click()  # the menu folds away on a phone
    page.get_by_role("link", name="考核").first.click()
    page.get_by_test_id("resultset-link").click()
    page.get_by_test_id("result-link").click()
    assert page.get_by_test_id("score").inner_text() == "35.97"
    page.get_by_test_id("records-link").first.click()
    assert page.get_by_test_id("record-count").inner_text() == "1"
    assert page.get_by_test_id("record").first.get_by_text("2016-05-01").is_visible()
    context.close()
