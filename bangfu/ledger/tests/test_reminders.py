"""Reminders (待办提醒): each kind of due item, for the right people only."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.urls import reverse

from bangfu.campaigns.choices import PairingKind, PairingState
from bangfu.campaigns.models import Pairing
from bangfu.ledger.books import Period
from bangfu.ledger.choices import ActivityKind, ProblemState, ReviewState
from bangfu.ledger.models import Activity, Problem
from bangfu.ledger.reminders import (
    overdue_problems,
    reminder_count,
    reminders_for,
    returned_entries,
    unvisited_pairings,
)

D = datetime.date
TODAY = D(2016, 6, 15)
JUNE = Period.month(2016, 6)


def _problem(world: Any, title: str, unit: str = "a", **kw: Any) -> Problem:
    return Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan if unit == "a" else world.lebang,
        unit=getattr(world, f"unit_{unit}"),
        branch=getattr(world, f"branch_{unit}"),
        category="other",
        title=title,
        raised_on=D(2016, 5, 1),
        **kw,
    )


def _entry(world: Any, summary: str, unit: str = "a", **kw: Any) -> Activity:
    members = kw.pop("members", [])
    activity = Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.SERVICE_VISIT,
        date=kw.pop("date", D(2016, 6, 1)),
        village=kw.pop("village", world.baoshan if unit == "a" else world.lebang),
        unit=getattr(world, f"unit_{unit}"),
        branch=getattr(world, f"branch_{unit}"),
        summary=summary,
        **kw,
    )
    for member in members:
        activity.participations.create(member=member)
    return activity


def _titles(qs: Any) -> set[str]:
    return {p.title for p in qs}


def test_overdue_problems_are_past_deadline_and_not_solved(world: Any) -> None:
    _problem(world, "逾期待解决", deadline=D(2016, 6, 1))
    _problem(world, "逾期解决中", deadline=D(2016, 6, 14), state=ProblemState.IN_PROGRESS)
    _problem(world, "今天到期", deadline=TODAY)
    _problem(world, "没有时限")
    _problem(
        world,
        "逾期但已解决",
        deadline=D(2016, 6, 1),
        state=ProblemState.SOLVED,
        solved_on=D(2016, 6, 10),
    )
    user = world.users["unit_a"]
    assert _titles(overdue_problems(user, TODAY)) == {"逾期待解决", "逾期解决中"}


def test_overdue_problems_keep_to_scope_and_include_the_users_own(world: Any) -> None:
    _problem(world, "甲单位逾期", deadline=D(2016, 6, 1))
    _problem(world, "乙单位逾期", unit="b", deadline=D(2016, 6, 1))
    assert _titles(overdue_problems(world.users["unit_a"], TODAY)) == {"甲单位逾期"}
    assert _titles(overdue_problems(world.users["unit_b"], TODAY)) == {"乙单位逾期"}
    assert _titles(overdue_problems(world.users["office"], TODAY)) == {"甲单位逾期", "乙单位逾期"}
    assert _titles(overdue_problems(world.users["viewer_bijie"], TODAY)) == {"甲单位逾期"}
    # A problem owned by the member though kept by no branch: still theirs to see.
    Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        category="other",
        title="李党员负责的问题",
        raised_on=D(2016, 5, 1),
        deadline=D(2016, 6, 1),
        owner=world.member_a,
    )
    assert "李党员负责的问题" in _titles(overdue_problems(world.users["member_a"], TODAY))
    assert "李党员负责的问题" not in _titles(overdue_problems(world.users["branch_a"], TODAY))


def test_returned_entries_go_to_their_author_participants_and_branch_secretary(
    world: Any,
) -> None:
    branch_user = world.users["branch_a"]
    _entry(
        world,
        "书记填报被退回",
        state=ReviewState.RETURNED,
        author=branch_user,
        return_reason="缺少照片",
    )
    _entry(world, "李党员参加被退回", state=ReviewState.RETURNED, members=[world.member_a])
    _entry(world, "李党员参加待审核", state=ReviewState.SUBMITTED, members=[world.member_a])
    _entry(world, "王书记参加被退回", state=ReviewState.RETURNED, members=[world.secretary_a])
    summaries = {a.summary for a in returned_entries(world.users["member_a"])}
    assert summaries == {"李党员参加被退回"}
    # The branch's secretary sees every returned entry of the branch, whoever wrote it.
    summaries = {a.summary for a in returned_entries(branch_user)}
    assert summaries == {"书记填报被退回", "李党员参加被退回", "王书记参加被退回"}
    assert not returned_entries(world.users["unit_b"]).exists()


def test_pairings_without_a_visit_this_month(world: Any) -> None:
    user = world.users["office"]
    assert set(unvisited_pairings(user, JUNE)) == {world.pairing_a, world.pairing_b}
    # The same branch in the same village visited, accepted: pairing A is visited.
    _entry(world, "六月走访", state=ReviewState.ACCEPTED)
    assert set(unvisited_pairings(user, JUNE)) == {world.pairing_b}
    # A returned entry is no visit; a submitted one linked to the pairing is.
    _entry(world, "退回的走访", unit="b", state=ReviewState.RETURNED)
    assert set(unvisited_pairings(user, JUNE)) == {world.pairing_b}
    _entry(
        world,
        "待审核的走访",
        unit="b",
        state=ReviewState.SUBMITTED,
        pairing=world.pairing_b,
        village=world.lebang,
    )
    assert set(unvisited_pairings(user, JUNE)) == set()
    # May's visits (world's activities) do not make June visited, and vice versa.
    assert set(unvisited_pairings(user, Period.month(2016, 7))) == {
        world.pairing_a,
        world.pairing_b,
    }


def test_unvisited_pairings_only_those_in_force_and_approved(world: Any) -> None:
    user = world.users["unit_a"]
    assert set(unvisited_pairings(user, JUNE)) == {world.pairing_a}  # B's is out of scope
    pending = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.MEMBER_SERVICE,
        branch=world.branch_a,
        member=world.member_a,
        village=world.lebang,
        start=D(2016, 4, 1),
        state=PairingState.PENDING,
    )
    ended = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.MEMBER_SERVICE,
        branch=world.branch_a,
        member=world.member_a,
        village=world.lebang,
        start=D(2016, 4, 1),
        end=D(2016, 5, 31),
    )
    unvisited = set(unvisited_pairings(user, JUNE))
    assert pending not in unvisited and ended not in unvisited
    # Before the campaign started nothing is due.
    assert not unvisited_pairings(user, Period.month(2016, 2)).exists()


def test_counts_are_one_query_each(world: Any, django_assert_num_queries: Any) -> None:
    for n in range(5):
        _problem(world, f"逾期{n}", deadline=D(2016, 6, 1))
        _entry(world, f"退回{n}", state=ReviewState.RETURNED, author=world.users["unit_a"])
    user = world.users["unit_a"]
    user.has_perm("ledger.view_problem")  # load the permission cache outside the count
    # One query per kind of the unit committee's work.
    with django_assert_num_queries(6):
        assert reminder_count(user, TODAY) == 5 + 5 + 1
    due = reminders_for(user, TODAY, JUNE)
    assert due.counts() == {
        "claims": 0,
        "review": 0,
        "returned": 5,
        "overdue": 5,
        "milestones": 0,
        "unvisited": 1,
    }


def test_reminders_page_lists_each_kind(world: Any, login: Any) -> None:
    _problem(world, "路灯逾期未修", deadline=D(2016, 6, 1))
    _problem(world, "乙单位的逾期问题", unit="b", deadline=D(2016, 6, 1))
    _entry(
        world,
        "请补充走访内容",
        state=ReviewState.RETURNED,
        author=world.users["unit_a"],
        return_reason="内容太简略",
    )
    client = login("unit_a")
    response = client.get(reverse("ledger:reminders"), {"month": "2016-06"})
    assert response.status_code == 200
    html = response.content.decode()
    assert "路灯逾期未修" in html
    assert "乙单位的逾期问题" not in html
    assert "请补充走访内容" in html and "内容太简略" in html
    assert "2016年6月尚未走访的结对" in html
    assert "宝山村" in html and "乐邦村" not in html
    assert (
        reverse("ledger:activity_edit", args=[Activity.objects.get(summary="请补充走访内容").pk])
        in html
    )


def test_badge_shows_the_count_and_nothing_when_nothing_is_due(world: Any, login: Any) -> None:
    _problem(world, "逾期", deadline=D(2016, 6, 1))
    client = login("unit_a")
    response = client.get(reverse("ledger:reminders_badge"))
    assert 'data-testid="reminder-badge"' in response.content.decode()
    assert ">1<" in response.content.decode()  # today's month is past the 2016 campaign
    client = login("unit_b")
    assert "reminder-badge" not in client.get(reverse("ledger:reminders_badge")).content.decode()


@pytest.mark.parametrize("url_name", ["ledger:reminders", "ledger:reminders_badge"])
def test_reminders_need_a_login(client: Any, world: Any, url_name: str) -> None:
    response = client.get(reverse(url_name))
    assert response.status_code == 302 and "/login/" in response["Location"]


def _badge(client: Any) -> int:
    html = client.get(reverse("ledger:reminders_badge")).content.decode()
    found = re.search(r">(\d+)<", html)
    return int(found.group(1)) if found else 0


def test_the_unit_committees_due_work_is_claims_entries_and_problems(
    world: Any, login: Any
) -> None:
    claim = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=world.branch_a,
        village=world.lebang,
        start=D(2016, 6, 1),
        state=PairingState.PENDING,
    )
    for n in range(2):
        _entry(world, f"待审核{n}", state=ReviewState.SUBMITTED)
    _entry(world, "乙单位待审核", unit="b", state=ReviewState.SUBMITTED)
    _problem(world, "逾期", deadline=D(2016, 6, 1))
    client = login("unit_a")
    # Today's month is past the 2016 campaign: no pairing is due a visit.
    assert _badge(client) == 1 + 2 + 1
    html = client.get(reverse("ledger:reminders")).content.decode()
    claims = re.search(r'href="([^"]+)"[^>]*data-testid="count-claims">(\d+)<', html)
    review = re.search(r'href="([^"]+)"[^>]*data-testid="count-review">(\d+)<', html)
    assert claims.groups() == (reverse("campaigns:approvals"), "1")
    assert review.groups() == (reverse("ledger:review"), "2")
    # Each count's link lists exactly its records.
    assert [p.pk for p in client.get(claims.group(1)).context["page"]] == [claim.pk]
    queue = client.get(review.group(1)).context["table"].rows
    assert {r.record.summary for r in queue} == {"待审核0", "待审核1"}
    assert "这个月没有进行中的帮扶行动" in html


def test_a_read_only_viewer_has_nothing_to_do(world: Any, login: Any) -> None:
    _problem(world, "逾期", deadline=D(2016, 6, 1))
    _entry(world, "待审核", state=ReviewState.SUBMITTED)
    client = login("viewer")
    assert _badge(client) == 0
    html = client.get(reverse("ledger:reminders"), {"month": "2016-06"}).content.decode()
    assert "逾期" not in html and "尚未走访的结对" not in html


def test_a_returned_entry_reaches_the_branch_secretary_and_who_took_part(
    world: Any, login: Any
) -> None:
    # Imported or made by the office: no author.
    entry = _entry(
        world,
        "导入的走访",
        state=ReviewState.RETURNED,
        return_reason="请补充照片",
        members=[world.member_a],
    )
    other = _entry(world, "乙单位退回", unit="b", state=ReviewState.RETURNED)
    for name in ("branch_a", "member_a"):
        client = login(name)
        assert _badge(client) >= 1
        html = client.get(reverse("ledger:reminders")).content.decode()
        assert "导入的走访" in html and "请补充照片" in html
        assert reverse("ledger:activity_edit", args=[entry.pk]) in html
        assert "乙单位退回" not in html
        assert client.get(reverse("ledger:activity_edit", args=[entry.pk])).status_code == 200
    assert other.pk not in {a.pk for a in returned_entries(world.users["branch_a"])}


def test_overdue_project_milestones_reach_the_unit_branch_and_village(
    world: Any, login: Any
) -> None:
    from bangfu.ledger.models import Project

    project = Project.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        name="蔬菜大棚",
        date=D(2016, 5, 1),
        origin="introduced",
        sector="planting",
    )
    project.milestones.create(title="完成选址", due=D(2016, 5, 20))
    project.milestones.create(title="已建成", due=D(2016, 5, 30), done_on=D(2016, 5, 29))
    project.milestones.create(title="验收", due=D(2030, 1, 1))
    for name in ("unit_a", "branch_a", "village_a"):
        due = reminders_for(world.users[name], TODAY, JUNE)
        assert [m.title for m in due.milestones] == ["完成选址"], name
        html = login(name).get(reverse("ledger:reminders")).content.decode()
        assert "蔬菜大棚 · 完成选址" in html and project.get_absolute_url() in html
    assert not reminders_for(world.users["unit_b"], TODAY, JUNE).milestones.exists()
    assert "milestones" not in reminders_for(world.users["viewer"], TODAY, JUNE).counts()


def test_a_household_pairing_is_visited_by_a_visit_to_its_household(world: Any) -> None:
    pairing = Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.SECRETARY_HOUSEHOLD,
        branch=world.branch_a,
        member=world.secretary_a,
        village=world.baoshan,
        household=world.household_a,
        start=D(2016, 4, 1),
    )
    user = world.users["branch_a"]
    # The branch's visit to the village elsewhere does not visit the household.
    _entry(world, "村里走访", state=ReviewState.ACCEPTED)
    assert pairing in set(unvisited_pairings(user, JUNE))
    assert world.pairing_a not in set(unvisited_pairings(user, JUNE))
    visit = _entry(world, "入户看望", state=ReviewState.SUBMITTED)
    visit.households.add(world.household_a)
    assert pairing not in set(unvisited_pairings(user, JUNE))
