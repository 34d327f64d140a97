"""Accepting a solver proposal: a confirmation step lists every live pairing it ends and why,
and a claim approved after the run (beginning on the campaign's last day) does not break it."""

import datetime

from django.urls import reverse
from django.utils import timezone

from bangfu.campaigns.models import Pairing
from bangfu.campaigns.tests import test_solver_runs
from bangfu.campaigns.tests.test_solver_runs import START, _run
from bangfu.geo.models import VillageYear

plan = test_solver_runs.plan  # the solver tests' world with an allocation plan (a fixture)


def _confirm(client, run, start):
    return client.get(reverse("campaigns:solver_accept", args=[run.pk]), {"start": start})


def _accept(client, run, start, page):
    ended = [p.pk for p in page.context["ended"]]
    return client.post(
        reverse("campaigns:solver_accept", args=[run.pk]),
        {"start": start, "confirmed": "1", "ended": ended},
        follow=True,
    )


def test_a_claim_approved_after_the_run_does_not_break_accepting(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    # Meanwhile branch B claims 宝山村 and its committee approves: it starts on the last day.
    world.branch_b.capacity = 2
    world.branch_b.save()
    last = world.campaign.end
    claim = Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.branch_b,
        village=world.baoshan,
        start=last,
        origin="claimed",
        reviewed_by=world.users["unit_b"],
        reviewed_at=timezone.now(),
    )
    page = _confirm(client, run, last.isoformat())
    assert page.status_code == 200
    assert [p.pk for p in page.context["ended"]] == [claim.pk]
    html = page.content.decode()
    assert "在本方案求解之后才批准" in html
    response = _accept(client, run, last.isoformat(), page)
    html = response.content.decode()
    assert "结束日期不能早于开始日期" not in html
    run.refresh_from_db()
    assert run.state == "accepted", html
    claim.refresh_from_db()
    # It had not begun when the plan's pairings start: withdrawn, kept with its history.
    assert claim.state == "rejected" and claim.end is None
    assert str(run.pk) in claim.review_note


def test_accepting_needs_a_confirmation_that_names_what_ends_and_why(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    VillageYear.objects.filter(village=world.baoshan, year=2016).update(is_poor=False)
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    # Without the confirmation nothing is written: the office is shown what will end.
    response = client.post(
        reverse("campaigns:solver_accept", args=[run.pk]), {"start": START.isoformat()}
    )
    assert response.status_code == 302
    run.refresh_from_db()
    assert run.state == "proposed"
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end is None
    page = _confirm(client, run, START.isoformat())
    html = page.content.decode()
    assert [p.pk for p in page.context["ended"]] == [world.pairing_a.pk]
    assert "宝山村2016年已不是贫困村" in html
    assert 'data-testid="confirm-accept"' in html
    # A confirmation for another set of ended pairings (things changed since) is refused.
    stale = client.post(
        reverse("campaigns:solver_accept", args=[run.pk]),
        {"start": START.isoformat(), "confirmed": "1", "ended": []},
        follow=True,
    )
    assert "请重新确认" in stale.content.decode()
    run.refresh_from_db()
    assert run.state == "proposed"
    _accept(client, run, START.isoformat(), page)
    run.refresh_from_db()
    assert run.state == "accepted"
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end == START - datetime.timedelta(days=1)


def test_the_service_withdraws_a_pairing_that_has_not_begun(
    login, plan, django_capture_on_commit_callbacks
):
    from bangfu.campaigns.solver_runs import accept_run

    world = plan
    run = _run(login("office"), world, django_capture_on_commit_callbacks)
    world.branch_b.capacity = 2
    world.branch_b.save()
    claim = Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.branch_b,
        village=world.baoshan,
        start=world.campaign.end,
    )
    counts = accept_run(run, world.users["office"], world.campaign.end)
    assert counts["ended"] == 1
    claim.refresh_from_db()
    assert claim.state == "rejected"
