"""The open villages list offers a claim only where one can succeed, and says why not."""

import re

from django.urls import reverse

URL = reverse("campaigns:open_villages")


def _buttons(html):
    return re.findall(r"<button[^>]*data-testid=\"claim\"[^>]*>", html)


def test_a_full_branch_sees_no_active_claim_button_and_the_reason(login, world):
    # Branch A may pair one village and has 宝山村 already.
    html = login("branch_a").get(URL).content.decode()
    buttons = _buttons(html)
    assert buttons and all("disabled" in b for b in buttons)
    assert "达到其可结对村数1" in html
    assert 'data-testid="claim-refused"' in html


def test_a_branch_with_room_may_claim_but_not_its_own_village_again(login, world):
    world.branch_a.capacity = 2
    world.branch_a.save()
    html = login("branch_a").get(URL).content.decode()
    rows = dict(re.findall(r'<tr data-village="(\d+)">(.*?)</tr>', html, re.S))
    assert "disabled" not in _buttons(rows[world.lebang.code])[0]
    assert "claim-refused" not in html
    # 宝山村 still has a free slot, but the branch is already paired there.
    assert "disabled" in _buttons(rows[world.baoshan.code])[0]
    assert "已结对" in rows[world.baoshan.code]
