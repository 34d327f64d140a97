"""In a real Chromium: a branch secretary claims a village on a phone, the unit committee
approves it at a desk."""

import re

import pytest

from bangfu.campaigns.models import Pairing
from bangfu.conftest import PASSWORD

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
