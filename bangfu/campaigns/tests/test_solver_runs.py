"""Solver runs: a background job storing its proposal, the review page with every cost term and
an explanation, the comparison, edits, infeasibility with its reason, and an atomic accept."""

import datetime

import pytest
from django.urls import reverse

from bangfu.campaigns.models import AllocationTarget, Pairing, ProposedPair, SolverRun
from bangfu.campaigns.solver import load_problem
from bangfu.campaigns.solver_runs import accept_run, compare, start_run
from bangfu.geo.models import Region, VillageYear
from bangfu.orgs.models import Branch, ResidentTeam, Unit

START = datetime.date(2016, 7, 1)


@pytest.fixture
def plan(world):
    """Unit A must take two villages (its two branches), unit B one; 新寨村 joins the poor
    villages; unit A has a resident team there."""
    township = world.baoshan.parent
    xinzhai = Region.objects.create(
        code="520524116215", name="新寨村", level="village", parent=township
    )
    second = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    for village in (world.baoshan, world.lebang, xinzhai):
        VillageYear.objects.create(village=village, year=2016, is_poor=True)
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=2
    )
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_b, kind="branch_village", target=1
    )
    ResidentTeam.objects.create(
        unit=world.unit_a, village=xinzhai, first_secretary=world.secretary_a, start=START
    )
    world.xinzhai, world.second = xinzhai, second
    return world


def _run(client, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("campaigns:solver"), {"campaign": world.campaign.pk})
    run = SolverRun.objects.get()
    assert response["Location"] == run.get_absolute_url()
    return run


def test_the_solver_runs_as_a_job_and_the_review_shows_every_term(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.state == "proposed" and run.job.state == "succeeded"
    pairs = {(p.branch_id, p.village_id): p for p in run.pairs.filter(kind="branch_village")}
    assert set(pairs) == {
        (world.branch_a.pk, world.baoshan.pk),  # kept
        (world.branch_b.pk, world.lebang.pk),  # kept
        (world.second.pk, world.xinzhai.pk),  # new, where unit A has its resident team
    }
    assert pairs[(world.branch_a.pk, world.baoshan.pk)].keep == -50.0
    assert pairs[(world.second.pk, world.xinzhai.pk)].resident_team == -30.0
    page = client.get(run.get_absolute_url())
    html = page.content.decode()
    for label in ("保持现有结对", "专业对口", "驻村工作队", "路程", "市州均衡"):
        assert label in html
    assert "该支部现已结对这个村" in html
    assert "本单位在该村派有驻村工作队" in html
    assert page.context["counts"] == {"kept": 2, "new": 1, "ended": 0, "experts": 0}
    changes = client.get(run.get_absolute_url(), {"tab": "changes", "list": "new"})
    assert [p.village for p in changes.context["page"]] == [world.xinzhai]


def test_while_the_job_works_the_page_polls_its_progress(login, plan):
    world = plan
    run = start_run(world.campaign, world.users["office"])  # on_commit never fires here
    page = login("office").get(run.get_absolute_url())
    assert 'id="solver-status"' in page.content.decode()
    partial = login("office").get(run.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert "HX-Refresh" not in partial


def test_an_infeasible_plan_is_reported_with_the_reason(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    AllocationTarget.objects.filter(unit=world.unit_b).update(target=3)  # one branch only
    run = _run(login("office"), world, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    assert run.state == "infeasible"
    assert not run.pairs.exists()
    html = login("office").get(run.get_absolute_url()).content.decode()
    assert "贵州省档案局的目标为3个村,但其支部总容量只有1" in html


def test_accepting_creates_the_new_pairings_and_ends_the_replaced(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    # The office moves branch A away from 宝山村: its current pairing will end.
    kept = run.pairs.get(branch=world.branch_a)
    response = client.post(
        reverse("campaigns:solver_pair_swap", args=[run.pk, kept.pk]),
        {"village": world.lebang.code},
    )
    assert response.status_code == 302
    kept.refresh_from_db()
    assert (kept.village, kept.edited, kept.keep) == (world.lebang, True, 0.0)
    diff = compare(run, START)
    assert (len(diff.kept), len(diff.new), len(diff.ended)) == (1, 2, 1)
    # Accepting is confirmed with the pairings it ends (see test_solver_accept).
    response = client.post(
        reverse("campaigns:solver_accept", args=[run.pk]),
        {"start": START.isoformat(), "confirmed": "1", "ended": [world.pairing_a.pk]},
    )
    run.refresh_from_db()
    assert run.state == "accepted"
    world.pairing_a.refresh_from_db()
    assert world.pairing_a.end == START - datetime.timedelta(days=1)
    created = Pairing.objects.filter(start=START, kind="branch_village")
    assert {(p.branch_id, p.village_id, p.state, p.origin) for p in created} == {
        (world.branch_a.pk, world.lebang.pk, "approved", "assigned"),
        (world.second.pk, world.xinzhai.pk, "approved", "assigned"),
    }
    # An accepted run can no longer change.
    response = client.post(
        reverse("campaigns:solver_pair_remove", args=[run.pk, kept.pk]), follow=True
    )
    assert ProposedPair.objects.filter(pk=kept.pk).exists()


def test_a_rule_failing_on_the_last_pair_writes_nothing(
    login, plan, django_capture_on_commit_callbacks
):
    world = plan
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    # Make the proposal end 宝山村's pairing and give its last new pair to a full branch.
    run.pairs.filter(branch=world.branch_a).delete()
    # A branch of a unit outside the plan: its current pairing stays, so it is full.
    other_unit = Unit.objects.create(name="贵州省林业局")
    full = Branch.objects.create(unit=other_unit, name="满员支部", capacity=1)
    Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=full,
        village=world.lebang,
        start=datetime.date(2016, 4, 1),
    )
    ProposedPair.objects.create(
        run=run, kind="branch_village", branch=full, village=world.baoshan, cost=0
    )
    pairings_before = list(Pairing.objects.values_list("pk", "end", "state").order_by("pk"))
    response = client.post(
        reverse("campaigns:solver_accept", args=[run.pk]),
        {"start": START.isoformat(), "confirmed": "1", "ended": [world.pairing_a.pk]},
    )
    assert response.status_code == 302
    assert list(Pairing.objects.values_list("pk", "end", "state").order_by("pk")) == (
        pairings_before
    )
    run.refresh_from_db()
    assert run.state == "proposed"
    page = client.get(run.get_absolute_url())
    assert "没有写入任何结对" in page.content.decode()
    assert "可结对村数1" in page.content.decode()


def test_swapping_to_a_full_village_is_refused(login, plan, django_capture_on_commit_callbacks):
    world = plan
    world.campaign.max_branches_per_village = 1
    world.campaign.save()
    client = login("office")
    run = _run(client, world, django_capture_on_commit_callbacks)
    pair = run.pairs.get(branch=world.second)
    client.post(
        reverse("campaigns:solver_pair_swap", args=[run.pk, pair.pk]),
        {"village": world.lebang.code},
    )
    pair.refresh_from_db()
    assert pair.village == world.xinzhai
    client.post(reverse("campaigns:solver_pair_remove", args=[run.pk, pair.pk]))
    assert not ProposedPair.objects.filter(pk=pair.pk).exists()


def test_only_the_office_reaches_solver_runs(login, plan):
    world = plan
    run = start_run(world.campaign, world.users["office"])
    for role in ("unit_a", "branch_a", "viewer"):
        client = login(role)
        assert client.get(reverse("campaigns:solver")).status_code == 403
        assert client.get(run.get_absolute_url()).status_code == 403
        assert client.post(reverse("campaigns:solver_accept", args=[run.pk])).status_code == 403


def test_accept_service_refuses_a_start_outside_the_campaign(plan):
    world = plan
    run = SolverRun.objects.create(campaign=world.campaign, state="proposed")
    with pytest.raises(Exception, match="行动期间"):
        accept_run(run, world.users["office"], datetime.date(2017, 1, 1))


def test_pending_claims_hold_their_slot_in_the_solvers_problem(plan):
    world = plan
    world.second.capacity = 2
    world.second.save()
    Pairing.objects.create(
        campaign=world.campaign,
        kind="branch_village",
        branch=world.second,
        village=world.xinzhai,
        start=datetime.date(2016, 5, 1),
        state="pending",
    )
    inp = load_problem(world.campaign, max_branches=2)
    villages = {v.id: v for v in inp.villages}
    branches = {b.id: b for b in inp.branches}
    assert villages[world.xinzhai.pk].max_branches == 1
    assert villages[world.lebang.pk].max_branches == 2
    assert branches[world.second.pk].capacity == 1
    assert (world.second.pk, world.xinzhai.pk) not in inp.existing  # not kept: not approved
