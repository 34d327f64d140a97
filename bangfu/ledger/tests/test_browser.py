"""In a real Chromium at phone size: a member records a visit with a photo, the unit committee
accepts it, and the dashboard figure moves by the visit's person-visits."""

import datetime
import re
from pathlib import Path

import pytest
from PIL import Image

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Pairing
from bangfu.conftest import PASSWORD, _new_page
from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.ledger import services
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


# --- Each role's day, one browser session per journey ----------------------------------------

SCREENSHOTS = Path(__file__).resolve().parents[3] / "var" / "screenshots"
PHONE = {"width": 375, "height": 812}
DESK = {"width": 1366, "height": 900}


def _fits(page):
    """No horizontal overflow: the page is no wider than the device. (A phone widens its
    window to fit wide content, so compare with the device's width, not the window's.)"""
    page.wait_for_load_state()
    device = page.viewport_size["width"]
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= device, f"{page.url} is {wide}px wide on a {device}px screen"


def _shoot(page, name):
    """Screenshots of a page at phone and desk width, for a person to look at."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    size = page.viewport_size
    for label, viewport in (("375", PHONE), ("1366", DESK)):
        page.set_viewport_size(viewport)
        page.screenshot(path=str(SCREENSHOTS / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


def test_a_first_secretary_records_a_household_visit_and_fixes_it_on_a_phone(
    phone_page, live_world, tmp_path
):
    world = live_world
    # The first secretary (驻村第一书记) is 王书记 of branch A, which helps two villages; his
    # 帮户 pairing is 张龙's household in 宝山村.
    user = world.users["village_a"]
    user.member = world.secretary_a
    user.save()
    world.branch_a.capacity = 2
    world.branch_a.save()
    Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=world.branch_a,
        village=world.lebang,
        start=datetime.date(2016, 4, 1),
    )
    household_pairing = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.SECRETARY_HOUSEHOLD,
        branch=world.branch_a,
        member=world.secretary_a,
        village=world.baoshan,
        household=world.household_a,
        start=datetime.date(2016, 4, 1),
    )
    photo = tmp_path / "visit.jpg"
    Image.new("RGB", (1200, 900), "olive").save(photo, "JPEG")

    page = phone_page
    _log_in(page, "village_a")
    _fits(page)
    page.get_by_test_id("record-work").click()  # the landing page's shortcut
    page.wait_for_url(re.compile(r"/ledger/activities/add/$"))
    _fits(page)
    _shoot(page, "journey-kinds")
    page.get_by_test_id("kind-service_visit").click()
    page.wait_for_url(re.compile(r"kind=service_visit"))
    _fits(page)
    # Two villages: the village is left blank; the household says where the visit was.
    assert page.locator("#id_village").input_value() == ""
    box = page.locator("#id_households")
    box.fill("张")
    page.locator("#id_households-options option").first.wait_for(state="attached")
    box.fill(world.household_a.number)
    box.press("Enter")
    page.get_by_label("服务内容").fill("看望结对户张龙,帮助联系村医复诊")
    page.locator("#id_photos").set_input_files(str(photo))
    _shoot(page, "journey-entry-form")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/ledger/activities/\d+/$"))
    _fits(page)
    assert page.get_by_test_id("state").inner_text() == "待审核"
    assert page.get_by_test_id("photo").count() == 1
    activity = Activity.objects.latest("pk")
    assert (activity.village, activity.author) == (world.baoshan, user)

    # The visit is on the household's page, and counts for the 帮户 pairing.
    page.goto(f"/registry/households/{world.household_a.pk}/")
    _fits(page)
    assert page.get_by_text("看望结对户张龙").is_visible()
    _shoot(page, "journey-household")
    page.goto(household_pairing.get_absolute_url())
    _fits(page)
    assert page.get_by_role("link", name=activity.date.strftime("%Y-%m-%d")).count() >= 1

    # The unit committee returns it; the secretary finds it under 待办 and fixes it.
    services.return_entries(world.users["unit_a"], [activity.pk], "请写明复诊时间")
    page.goto("/")
    page.get_by_test_id("reminder-badge").wait_for()
    page.goto("/ledger/reminders/")
    _fits(page)
    _shoot(page, "journey-reminders-secretary")
    page.get_by_test_id("returned-entry").first.click()
    page.wait_for_url(re.compile(rf"/ledger/activities/{activity.pk}/edit/$"))
    _fits(page)
    assert "请写明复诊时间" in page.get_by_test_id("returned").inner_text()
    page.get_by_label("服务内容").fill("看望结对户张龙,帮助联系村医,6月8日复诊")
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(rf"/ledger/activities/{activity.pk}/$"))
    assert page.get_by_test_id("state").inner_text() == "待审核"
    activity.refresh_from_db()
    assert (activity.state, activity.return_reason) == ("submitted", "")


def test_the_unit_committee_approves_a_claim_and_reviews_entries_on_a_phone(phone_page, live_world):
    world = live_world
    world.branch_a.capacity = 2
    world.branch_a.save()
    claim = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=world.branch_a,
        village=world.lebang,
        start=datetime.date(2016, 6, 1),
        origin="claimed",
        state="pending",
    )
    entries = []
    for day in (3, 4, 5):
        entry = Activity.objects.create(
            campaign=world.campaign,
            kind="service_visit",
            date=datetime.date(2016, 6, day),
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            summary=f"6月{day}日入户服务",
            author=world.users["member_a"],
        )
        entry.participations.create(member=world.member_a)
        entries.append(entry)

    page = phone_page
    _log_in(page, "unit_a")
    # 待办: one claim and three entries, each count leading to its queue.
    page.get_by_test_id("reminder-badge").wait_for()
    assert page.get_by_test_id("reminder-badge").inner_text() == "4"
    page.goto("/ledger/reminders/")
    _fits(page)
    _shoot(page, "journey-reminders-committee")
    page.get_by_test_id("count-claims").click()
    page.wait_for_url(re.compile(r"/campaigns/approvals/$"))
    _fits(page)
    page.locator(f'tr[data-pairing="{claim.pk}"]').get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert page.get_by_text("已通过1条认领").is_visible()

    page.goto("/ledger/reminders/")
    page.get_by_test_id("count-review").click()
    page.wait_for_url(re.compile(r"/ledger/review/$"))
    _fits(page)
    _shoot(page, "journey-review-queue")
    assert '">' not in page.locator("table").inner_text()
    labels = page.locator("td[data-label]").evaluate_all(
        "cells => cells.map(c => c.getAttribute('data-label'))"
    )
    assert not any("<" in label for label in labels)
    # Open the first, accept it: the next one opens; return that one with a reason.
    page.get_by_role("link", name="2016-06-03").click()
    page.wait_for_url(re.compile(rf"/ledger/activities/{entries[0].pk}/$"))
    _fits(page)
    _shoot(page, "journey-entry-review")
    page.get_by_role("button", name="通过", exact=True).click()
    page.wait_for_url(re.compile(rf"/ledger/activities/{entries[1].pk}/$"))
    page.get_by_placeholder("退回原因").fill("请补充服务的户")
    page.get_by_role("button", name="退回", exact=True).click()
    page.wait_for_url(re.compile(rf"/ledger/activities/{entries[2].pk}/$"))
    # Back in the queue, tick all and accept: the select-all box posts nothing itself (on a
    # phone the table's header is hidden: a button ticks the page's boxes).
    page.goto("/ledger/review/")
    page.get_by_test_id("tick-all").click()
    page.get_by_test_id("bulk-accept").click()
    page.wait_for_load_state()
    assert page.get_by_text("已通过1条台账").is_visible()
    _fits(page)
    states = [Activity.objects.get(pk=e.pk).state for e in entries]
    assert states == ["accepted", "returned", "accepted"]
    claim.refresh_from_db()
    assert claim.state == "approved"
