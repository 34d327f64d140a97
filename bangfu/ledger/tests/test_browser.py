"""In a real Chromium at phone size: a member records a visit with a photo, the unit committee
accepts it, and the dashboard figure moves by the visit's person-visits."""

import re

import pytest
from PIL import Image

from bangfu.conftest import PASSWORD, _new_page
from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.ledger.models import Activity

pytestmark = pytest.mark.browser


def _log_in(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def _figure(page, key):
    return int(re.sub(r"\D", "", page.get_by_test_id(f"figure-{key}").inner_text()))


def test_a_visit_recorded_on_a_phone_is_accepted_and_counted(
    phone_page, browser, live_server, live_world, tmp_path
):
    photo = tmp_path / "visit.jpg"
    Image.new("RGB", (1200, 900), "olive").save(photo, "JPEG")
    member = live_world.users["member_a"]
    before = compute_figures(FigureSlice(live_world.campaign, user=member))["member_visits"]

    page = phone_page
    _log_in(page, "member_a")
    assert _figure(page, "member_visits") == before
    page.goto("/ledger/activities/add/")
    page.get_by_test_id("kind-service_visit").click()
    page.wait_for_url(re.compile(r"kind=service_visit"))
    # The member's branch, its village and the member are already filled in.
    assert page.get_by_test_id("current-village").inner_text().startswith("宝山村")
    assert page.locator('input[name="participants"]').count() == 1
    # Pick a household by typing the head's name and choosing the match.
    box = page.locator("#id_households")
    box.fill("张")
    # The search answers into the datalist (a locator wait: the CSP forbids eval'd JS).
    page.locator("#id_households-options option").first.wait_for(state="attached")
    box.fill(live_world.household_a.number)
    box.press("Enter")
    assert page.locator('input[name="households"]').get_attribute("value") == (
        live_world.household_a.number
    )
    page.get_by_label("服务内容").fill("入户宣讲医保政策,帮助办理慢病卡")
    page.locator("#id_photos").set_input_files(str(photo))
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/ledger/activities/\d+/$"))
    assert page.get_by_test_id("state").inner_text() == "待审核"
    assert page.get_by_test_id("photo").count() == 1
    activity = Activity.objects.latest("pk")
    assert list(activity.households.all()) == [live_world.household_a]
    # Not counted until accepted.
    page.goto("/")
    assert _figure(page, "member_visits") == before

    context, committee = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    _log_in(committee, "unit_a")
    committee.goto("/ledger/review/")
    committee.locator(f'input[name="ids"][value="{activity.pk}"]').check()
    committee.get_by_test_id("bulk-accept").click()
    committee.wait_for_load_state()
    assert "已通过1条台账" in committee.content()
    context.close()

    page.goto("/")
    assert _figure(page, "member_visits") == before + 1
