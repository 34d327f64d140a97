"""Claim → approval: a branch claims, its unit committee approves or rejects, the office assigns;
a pending claim holds its slot, a rejected one frees it, and only approved pairings count."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bangfu.campaigns.models import AllocationTarget, Pairing
from bangfu.campaigns.progress import unit_progress
from bangfu.campaigns.services import claim_village, open_villages
from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.orgs.models import Branch

ON = datetime.date(2016, 6, 1)


@pytest.fixture
def roomy(world):
    """Branch A may take a second village; 乐邦村 (branch B's) has one slot left."""
    world.branch_a.capacity = 2
    world.branch_a.save()
    return world


def _claim(client, world, village, branch):
    return client.post(
        reverse("campaigns:claim"),
        {"campaign": world.campaign.pk, "village": village.pk, "branch": branch.pk},
    )


def _open_codes(world):
    return {v.code for v in open_villages(world.campaign, ON)}


def test_a_branch_claim_waits_for_approval_and_holds_the_slot(login, roomy):
    world = roomy
    client = login("branch_a")
    page = client.get(reverse("campaigns:open_villages"))
    assert world.lebang.code in page.content.decode()
    response = _claim(client, world, world.lebang, world.branch_a)
    assert response.status_code == 302
    claim = Pairing.objects.get(branch=world.branch_a, village=world.lebang)
    assert (claim.state, claim.origin) == ("pending", "claimed")
    assert world.lebang.code not in _open_codes(world)  # two branches: the village is full
    # Not a pairing yet: neither the figures nor progress count it.
    figures = compute_figures(FigureSlice(world.campaign))
    assert figures["villages_paired"] == 2 and figures["branches_paired"] == 2
    AllocationTarget.objects.create(
        campaign=world.campaign, unit=world.unit_a, kind="branch_village", target=2
    )
    row = unit_progress(world.campaign, world.users["office"], on=ON)[0]
    assert row.kinds["branch_village"].actual == 1
    page = client.get(reverse("campaigns:open_villages"))
    assert "等待单位党委审批" in page.content.decode()
    assert "待审批" in page.content.decode()


def test_the_unit_committee_approves_its_branchs_claim(login, roomy):
    world = roomy
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    client = login("unit_a")
    queue = client.get(reverse("campaigns:approvals"))
    assert [p.pk for p in queue.context["page"]] == [claim.pk]
    response = client.post(reverse("campaigns:approvals"), {"approve_one": claim.pk})
    assert response.status_code == 302
    claim.refresh_from_db()
    assert (claim.state, claim.reviewed_by) == ("approved", world.users["unit_a"])
    assert compute_figures(FigureSlice(world.campaign))["branches_paired"] == 2
    assert compute_figures(FigureSlice(world.campaign))["villages_paired"] == 2
    assert (
        Pairing.objects.filter(branch=world.branch_a, state="approved").count() == 2
    )  # counted now


def test_another_units_committee_cannot_approve_the_claim(login, roomy):
    world = roomy
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    client = login("unit_b")
    assert client.get(reverse("campaigns:approvals")).context["page"].paginator.count == 0
    response = client.post(reverse("campaigns:approvals"), {"approve_one": claim.pk})
    assert response.status_code == 404
    response = client.post(
        reverse("campaigns:approvals"), {"action": "reject", "ids": [claim.pk], "reason": "不行"}
    )
    assert response.status_code == 404
    claim.refresh_from_db()
    assert (claim.state, claim.reviewed_by) == ("pending", None)


def test_a_branch_secretary_cannot_approve(login, roomy):
    world = roomy
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    client = login("branch_a")
    assert client.get(reverse("campaigns:approvals")).status_code == 403
    assert client.post(reverse("campaigns:approvals"), {"approve_one": claim.pk}).status_code == 403
    claim.refresh_from_db()
    assert claim.state == "pending"


def test_rejecting_needs_a_reason_and_frees_the_slot(login, roomy):
    world = roomy
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    client = login("unit_a")
    response = client.post(
        reverse("campaigns:approvals"), {"action": "reject", "ids": [claim.pk], "reason": " "}
    )
    assert response.status_code == 302
    claim.refresh_from_db()
    assert claim.state == "pending"
    assert "驳回时请填写理由" in client.get(reverse("campaigns:approvals")).content.decode()
    client.post(
        reverse("campaigns:approvals"),
        {"reject_one": claim.pk, "reason": "该村已由省档案局结对"},
    )
    claim.refresh_from_db()
    assert (claim.state, claim.review_note) == ("rejected", "该村已由省档案局结对")
    assert world.lebang.code in _open_codes(world)
    page = login("branch_a").get(reverse("campaigns:open_villages"))
    assert "该村已由省档案局结对" in page.content.decode()
    # The freed slot can be claimed again.
    rival = Branch.objects.create(unit=world.unit_b, name="第二党支部")
    again = claim_village(world.campaign, rival, world.lebang, world.users["office"], ON)
    assert again.state == "approved"


def test_the_office_assigns_directly(login, roomy):
    world = roomy
    response = _claim(login("office"), world, world.lebang, world.branch_a)
    assert response.status_code == 302
    pairing = Pairing.objects.get(branch=world.branch_a, village=world.lebang)
    assert (pairing.state, pairing.origin, pairing.reviewed_by) == (
        "approved",
        "assigned",
        world.users["office"],
    )


def test_two_pending_claims_cannot_share_the_last_slot(roomy):
    world = roomy
    other = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    with pytest.raises(ValidationError, match="达到每村上限2个"):
        claim_village(world.campaign, other, world.lebang, world.users["unit_a"], ON)


def test_a_claim_breaking_a_rule_is_refused_with_the_reason(login, world):
    # Branch A is at its capacity of one village.
    response = _claim(login("branch_a"), world, world.lebang, world.branch_a)
    assert response.status_code == 302
    assert not Pairing.objects.filter(branch=world.branch_a, village=world.lebang).exists()
    page = login("branch_a").get(reverse("campaigns:open_villages"))
    assert "可结对村数1" in page.content.decode()


def test_a_branch_cannot_claim_for_another_branch(login, roomy):
    world = roomy
    response = _claim(login("branch_a"), world, world.baoshan, world.branch_b)
    assert response.status_code == 404
    assert not Pairing.objects.filter(branch=world.branch_b, village=world.baoshan).exists()


def test_bulk_approval_is_all_or_nothing_and_rechecks_the_rules(login, roomy):
    world = roomy
    world.campaign.max_branches_per_village = 3
    world.campaign.save()
    second = Branch.objects.create(unit=world.unit_a, name="第六党支部")
    claims = [
        claim_village(world.campaign, b, world.lebang, world.users["branch_a"], ON)
        for b in (world.branch_a, second)
    ]
    # The office lowers the limit meanwhile: the second approval would overfill the village.
    world.campaign.max_branches_per_village = 2
    world.campaign.save()
    client = login("unit_a")
    client.post(
        reverse("campaigns:approvals"), {"action": "approve", "ids": [c.pk for c in claims]}
    )
    assert set(
        Pairing.objects.filter(pk__in=[c.pk for c in claims]).values_list("state", flat=True)
    ) == {"pending"}
    world.campaign.max_branches_per_village = 3
    world.campaign.save()
    client.post(
        reverse("campaigns:approvals"), {"action": "approve", "ids": [c.pk for c in claims]}
    )
    assert set(
        Pairing.objects.filter(pk__in=[c.pk for c in claims]).values_list("state", flat=True)
    ) == {"approved"}


def test_the_pairing_form_is_a_claim_for_a_branch_secretary(login, roomy):
    world = roomy
    response = login("branch_a").post(
        reverse("campaigns:pairing_add"),
        {
            "campaign": world.campaign.pk,
            "kind": "branch_village",
            "branch": world.branch_a.pk,
            "village": world.lebang.code,
            "origin": "claimed",
            "start": "2016-06-01",
        },
    )
    assert response.status_code == 302
    assert Pairing.objects.get(branch=world.branch_a, village=world.lebang).state == "pending"


def test_a_claim_gives_no_reach_into_the_village_until_approved(login, roomy):
    world = roomy
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)
    client = login("branch_a")
    url = reverse("registry:household_detail", args=[world.household_b.pk])
    assert client.get(url).status_code == 404
    login("unit_a").post(
        reverse("campaigns:approvals"), {"reject_one": claim.pk, "reason": "名额已满"}
    )
    assert login("branch_a").get(url).status_code == 404
    claim.state = "pending"
    claim.save()
    login("unit_a").post(reverse("campaigns:approvals"), {"approve_one": claim.pk})
    assert login("branch_a").get(url).status_code == 200


def test_a_branch_importing_a_pairing_claims_it(roomy, tmp_path):
    import openpyxl

    from bangfu.core.imports import Layout

    world = roomy
    book = openpyxl.Workbook()
    book.active.append(["帮扶行动", "结对类型", "单位名称", "支部名称", "村代码", "开始日期"])
    book.active.append(
        [
            "2016年五千行动",
            "支部结对帮村",
            "贵州省总工会",
            "第五党支部",
            world.lebang.code,
            "2016-06-01",
        ]
    )
    path = tmp_path / "claim.xlsx"
    book.save(path)
    result = Layout.registry["pairings"].run(path, world.users["branch_a"], True)
    assert result.committed, result.problems
    assert Pairing.objects.get(branch=world.branch_a, village=world.lebang).state == "pending"
    # The office's import takes effect at once.
    Pairing.objects.filter(branch=world.branch_a, village=world.lebang).delete()
    result = Layout.registry["pairings"].run(path, world.users["office"], True)
    assert Pairing.objects.get(branch=world.branch_a, village=world.lebang).state == "approved"


def test_a_village_team_sees_a_claiming_unit_only_once_approved(roomy):
    from bangfu.accounts.choices import Role
    from bangfu.accounts.models import User
    from bangfu.orgs.models import Branch, Member, Unit

    world = roomy
    team = User.objects.create(username="village_b", role=Role.VILLAGE_TEAM, region=world.lebang)
    claim = claim_village(world.campaign, world.branch_a, world.lebang, world.users["branch_a"], ON)

    def seen():
        return (
            Unit.objects.restrict(team).filter(pk=world.unit_a.pk).exists(),
            Branch.objects.restrict(team).filter(pk=world.branch_a.pk).exists(),
            Member.objects.restrict(team).filter(pk=world.member_a.pk).exists(),
        )

    assert seen() == (False, False, False)
    claim.state = "rejected"
    claim.save()
    assert seen() == (False, False, False)
    claim.state = "approved"
    claim.save()
    assert seen() == (True, True, True)
