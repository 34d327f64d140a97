"""The committee's review: accept or return (with a reason), one or in bulk; which states count."""

import re

import pytest
from django.urls import reverse

from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity

ACTION = reverse("ledger:review_action")


def submitted(world, n=1, branch=None, village=None):
    branch = branch or world.branch_a
    out = []
    for i in range(n):
        a = Activity.objects.create(
            campaign=world.campaign,
            kind=ActivityKind.SERVICE_VISIT,
            date=f"2016-06-{i + 1:02d}",
            village=village or world.baoshan,
            branch=branch,
            summary=f"走访{i}",
            author=world.users["member_a"],
        )
        a.participations.create(
            member=world.member_a if branch == world.branch_a else world.secretary_b
        )
        out.append(a)
    return out


def test_the_queue_lists_only_submitted_entries_in_the_reviewers_scope(login, world):
    mine = submitted(world, 2)
    other = submitted(world, 1, branch=world.branch_b, village=world.lebang)
    response = login("unit_a").get(reverse("ledger:review"))
    rows = {r.record.pk for r in response.context["table"].rows}
    assert rows == {a.pk for a in mine}
    assert other[0].pk not in rows


def test_members_and_viewers_cannot_review(login, world):
    entry = submitted(world)[0]
    for user in ("member_a", "viewer", "branch_a"):
        client = login(user)
        assert client.get(reverse("ledger:review")).status_code == 403
        client.post(ACTION, {"ids": [entry.pk], "action": "accept"})
        entry.refresh_from_db()
        assert entry.state == ReviewState.SUBMITTED


def test_bulk_accept_is_all_or_nothing(login, world):
    mine = submitted(world, 2)
    other = submitted(world, 1, branch=world.branch_b, village=world.lebang)[0]
    client = login("unit_a")
    client.post(ACTION, {"ids": [mine[0].pk, mine[1].pk, other.pk], "action": "accept"})
    assert set(
        Activity.objects.filter(pk__in=[a.pk for a in mine]).values_list("state", flat=True)
    ) == {ReviewState.SUBMITTED}
    client.post(ACTION, {"ids": [a.pk for a in mine], "action": "accept"})
    for a in mine:
        a.refresh_from_db()
        assert a.state == ReviewState.ACCEPTED
        assert a.reviewed_by == world.users["unit_a"]
        assert a.reviewed_at is not None


def test_returning_needs_a_reason_and_goes_back_to_the_author(login, world):
    entry = submitted(world)[0]
    client = login("unit_a")
    response = client.post(
        ACTION, {"ids": [entry.pk], "action": "return", "reason": ""}, follow=True
    )
    assert "退回时请填写原因" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == ReviewState.SUBMITTED
    client.post(ACTION, {"ids": [entry.pk], "action": "return", "reason": "请补充走访户"})
    entry.refresh_from_db()
    assert (entry.state, entry.return_reason) == (ReviewState.RETURNED, "请补充走访户")
    # The author fixes it: it goes back into the queue, the reason cleared.
    author = login("member_a")
    url = reverse("ledger:activity_edit", args=[entry.pk])
    page = author.get(url)
    assert "请补充走访户" in page.content.decode()
    data = {
        "campaign": world.campaign.pk,
        "kind": entry.kind,
        "date": "2016-06-01",
        "branch": world.branch_a.pk,
        "village": world.baoshan.code,
        "participants": [world.member_a.pk],
        "households": [world.household_a.number],
        "summary": "补充了走访户",
        "loaded_version": page.context["form"].initial["loaded_version"],
        "solved-TOTAL_FORMS": "0",
        "solved-INITIAL_FORMS": "0",
    }
    assert author.post(url, data).status_code == 302
    entry.refresh_from_db()
    assert (entry.state, entry.return_reason) == (ReviewState.SUBMITTED, "")
    assert entry.pk in {
        r.record.pk for r in login("unit_a").get(reverse("ledger:review")).context["table"].rows
    }


def test_an_accepted_entry_cannot_be_reviewed_again(login, world):
    entry = submitted(world)[0]
    client = login("unit_a")
    client.post(ACTION, {"ids": [entry.pk], "action": "accept"})
    response = client.post(
        ACTION, {"ids": [entry.pk], "action": "return", "reason": "x"}, follow=True
    )
    assert "已被审核" in response.content.decode()
    entry.refresh_from_db()
    assert entry.state == ReviewState.ACCEPTED


@pytest.mark.parametrize("count_submitted", [False, True])
def test_which_states_count_is_the_campaigns_setting(login, world, count_submitted):
    world.campaign.count_submitted = count_submitted
    world.campaign.save()
    before = compute_figures(FigureSlice(world.campaign))["member_visits"]
    entries = submitted(world, 3)
    after_submit = compute_figures(FigureSlice(world.campaign))["member_visits"]
    assert after_submit - before == (3 if count_submitted else 0)
    client = login("unit_a")
    client.post(ACTION, {"ids": [entries[0].pk], "action": "accept"})
    client.post(ACTION, {"ids": [entries[1].pk], "action": "return", "reason": "重复"})
    figures = compute_figures(FigureSlice(world.campaign))["member_visits"]
    # accepted counts always, returned never, the one still submitted only by the setting
    assert figures - before == 1 + (1 if count_submitted else 0)


def test_the_detail_page_offers_review_to_reviewers_only(login, world):
    entry = submitted(world)[0]
    url = entry.get_absolute_url()
    assert 'value="accept"' in login("unit_a").get(url).content.decode()
    assert 'value="accept"' not in login("member_a").get(url).content.decode()


def test_the_queue_shows_no_raw_html_around_its_tick_boxes(login, world):
    submitted(world, 2)
    html = login("unit_a").get(reverse("ledger:review")).content.decode()
    # Every cell's phone label is plain text: the tick-box column's header HTML stays out of
    # the attribute, so no stray `">` appears before each box and no card reads `<input ...`.
    assert 'data-label="<' not in html
    assert not re.search(r'>[^<]*">', html)  # no `">` shown as text
    labels = re.findall(r'data-label="([^"]*)"', html)
    assert labels and not any("<" in label or ">" in label for label in labels)
    assert html.count('name="ids"') == 2  # one per entry; the select-all box posts nothing


def test_select_all_then_accept_is_not_a_server_error(login, world):
    entries = submitted(world, 2)
    client = login("unit_a")
    html = client.get(reverse("ledger:review")).content.decode()
    header = re.search(r"<th[^>]*>\s*(<input[^>]*>)", html).group(1)
    assert "data-check-all" in header and 'name="ids"' not in header
    # A page from before the fix posted the select-all box too (`ids=on`): still no error.
    response = client.post(
        ACTION, {"ids": [*(a.pk for a in entries), "on"], "action": "accept"}, follow=True
    )
    assert response.status_code == 200
    assert "已通过2条台账" in response.content.decode()
    assert {a.state for a in Activity.objects.filter(pk__in=[e.pk for e in entries])} == {
        ReviewState.ACCEPTED
    }
    response = client.post(ACTION, {"ids": ["on"], "action": "accept"}, follow=True)
    assert response.status_code == 200
    assert "请至少选择一条台账" in response.content.decode()


def test_after_a_decision_on_an_entry_page_the_next_awaiting_one_follows(login, world):
    first, second = submitted(world, 2)
    client = login("unit_a")
    page = client.get(first.get_absolute_url()).content.decode()
    # The next entry awaiting review is offered, and a decision leads on to it.
    assert reverse("ledger:activity_detail", args=[second.pk]) in page
    assert "下一条" in page
    response = client.post(
        ACTION,
        {"ids": [first.pk], "action": "accept", "next": first.get_absolute_url(), "then": "next"},
    )
    assert response.status_code == 302
    assert response.url == second.get_absolute_url()
    # After the last one, back to the (now empty) queue.
    response = client.post(
        ACTION,
        {"ids": [second.pk], "action": "accept", "next": second.get_absolute_url(), "then": "next"},
    )
    assert response.url == reverse("ledger:review")
