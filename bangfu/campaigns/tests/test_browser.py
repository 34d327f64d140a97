"""In a real Chromium: a branch secretary claims a village on a phone, the unit committee
approves it at a desk."""

import re

import pytest

from bangfu.campaigns.models import Pairing
from bangfu.conftest import PASSWORD
from bangfu.ledger.tests.test_browser import _shoot

pytestmark = pytest.mark.browser


def _log_in(page, username):
    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


def test_a_claim_on_a_phone_is_approved_by_the_unit(phone_page, page, live_world):
    world = live_world
    world.branch_a.capacity = 2
    world.branch_a.save()
    _log_in(phone_page, "branch_a")
    phone_page.goto("/campaigns/open-villages/")
    row = phone_page.locator(f'tr[data-village="{world.lebang.code}"]')
    row.get_by_role("button", name="认领").click()
    phone_page.wait_for_load_state()
    assert phone_page.get_by_text("等待单位党委审批").is_visible()
    assert phone_page.get_by_test_id("my-claims").get_by_text("待审批").is_visible()
    claim = Pairing.objects.get(branch=world.branch_a, village=world.lebang)
    assert claim.state == "pending"

    _log_in(page, "unit_a")
    page.goto("/campaigns/approvals/")
    page.locator(f'tr[data-pairing="{claim.pk}"]').get_by_role("button", name="通过").click()
    page.wait_for_load_state()
    assert page.get_by_text("已通过1条认领").is_visible()
    claim.refresh_from_db()
    assert (claim.state, claim.reviewed_by.username) == ("approved", "unit_a")


def test_the_office_confirms_a_proposal_after_a_claim_was_approved_meanwhile(page, live_world):
    """Run the solver, a claim is approved meanwhile (it begins on the campaign's last day),
    then review, confirm and accept: the confirmation names the pairing that ends and why."""
    import datetime

    from django.utils import timezone

    from bangfu.campaigns.models import AllocationTarget, SolverRun
    from bangfu.geo.models import VillageYear

    world = live_world
    for village in (world.baoshan, world.lebang):
        VillageYear.objects.create(village=village, year=2016, is_poor=True)
    for unit in (world.unit_a, world.unit_b):
        AllocationTarget.objects.create(
            campaign=world.campaign, unit=unit, kind="branch_village", target=1
        )
    _log_in(page, "office")
    page.goto(f"/campaigns/solver/?campaign={world.campaign.pk}")
    page.get_by_test_id("run-solver").click()
    page.wait_for_url(re.compile(r"/campaigns/solver/\d+/$"))
    run = SolverRun.objects.get()
    page.get_by_test_id("accept").wait_for()
    # Meanwhile branch B's second claim, on 宝山村, is approved by its committee.
    world.branch_b.capacity = 2
    world.branch_b.save()
    claim = Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.branch_b,
        village=world.baoshan,
        origin="claimed",
        start=world.campaign.end,
        reviewed_by=world.users["unit_b"],
        reviewed_at=timezone.now(),
    )
    page.locator("#start").fill(world.campaign.end.isoformat())
    page.get_by_test_id("accept").click()
    page.wait_for_url(re.compile(r"/accept/\?start="))
    row = page.locator(f'[data-testid="ended"] tr[data-pairing="{claim.pk}"]')
    assert "在本方案求解之后才批准" in row.inner_text()
    assert page.get_by_test_id("ended-summary").inner_text().startswith("将结束 1 个")
    page.set_viewport_size({"width": 375, "height": 812})
    wide = page.evaluate("() => document.documentElement.scrollWidth")
    assert wide <= 375
    page.set_viewport_size({"width": 1280, "height": 900})
    _shoot(page, "journey-solver-confirm")
    page.get_by_test_id("confirm-accept").click()
    page.wait_for_url(re.compile(rf"/campaigns/solver/{run.pk}/$"))
    assert page.get_by_test_id("run-state").inner_text() == "已采纳"
    claim.refresh_from_db()
    assert claim.state == "rejected" and claim.end is None
    assert datetime.date(2016, 4, 1) == Pairing.objects.get(pk=world.pairing_a.pk).start
