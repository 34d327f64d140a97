"""A household is the centre of a secretary's work: its page shows every visit, problem,
project, share and dividend touching it, and its 帮户 pairing counts the visits to it."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.urls import reverse

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Pairing
from bangfu.coops import services as coops
from bangfu.coops.models import Cooperative, ReliefFund
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity, Problem, Project

D = datetime.date


def _visit(world: Any, summary: str, household: Any, day: int, **kw: Any) -> Activity:
    activity = Activity.objects.create(
        campaign=world.campaign,
        kind=ActivityKind.SERVICE_VISIT,
        date=D(2016, 6, day),
        village=household.village,
        unit=kw.pop("unit", world.unit_a),
        branch=kw.pop("branch", world.branch_a),
        summary=summary,
        state=ReviewState.ACCEPTED,
        **kw,
    )
    activity.households.add(household)
    activity.participations.create(member=world.secretary_a)
    return activity


def _household_pairing(world: Any) -> Pairing:
    return Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.SECRETARY_HOUSEHOLD,
        branch=world.branch_a,
        member=world.secretary_a,
        village=world.baoshan,
        household=world.household_a,
        start=D(2016, 4, 1),
    )


def test_the_household_page_shows_everything_touching_the_household(world: Any, login: Any):
    for day in (3, 10, 17, 24):
        _visit(world, f"入户走访{day}", world.household_a, day)
    _visit(world, "另一户的走访", world.household_b, 5, unit=world.unit_b, branch=world.branch_b)
    Problem.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        household=world.household_a,
        category="other",
        title="房屋漏雨",
        raised_on=D(2016, 6, 3),
    )
    project = Project.objects.create(
        campaign=world.campaign,
        village=world.baoshan,
        unit=world.unit_a,
        branch=world.branch_a,
        name="中华蜂养殖",
        date=D(2016, 6, 1),
        origin="introduced",
        sector="breeding",
    )
    project.beneficiaries.add(world.household_a)
    coop = Cooperative.objects.create(
        name="宝山村养蜂合作社", village=world.baoshan, sector="breeding"
    )
    fund = ReliefFund.objects.create(
        coop=coop, name="扶贫资金", source="fiscal", year=2016, amount=Decimal("1000")
    )
    coops.grant_shares(fund, [world.household_a], 100, D(2016, 6, 1))
    coops.confirm_run(coop, 2016, Decimal("10.00"))

    response = login("branch_a").get(
        reverse("registry:household_detail", args=[world.household_a.pk])
    )
    html = response.content.decode()
    related = {str(title): count for title, _table, count in response.context["related"]}
    assert related["帮扶活动"] == 4
    assert related["问题"] == 1
    assert related["受益项目"] == 1
    assert related["股权"] == 1
    assert related["分红"] == 1
    for text in ("入户走访3", "入户走访24", "房屋漏雨", "中华蜂养殖", "宝山村养蜂合作社"):
        assert text in html
    assert "另一户的走访" not in html


def test_the_household_pairing_counts_the_visits_to_its_household(world: Any, login: Any):
    pairing = _household_pairing(world)
    for day in (3, 10, 17, 24):
        _visit(world, f"入户走访{day}", world.household_a, day)
    # Before the pairing began: not its work.
    early = _visit(world, "结对前的走访", world.household_a, 1)
    early.date = D(2016, 3, 20)
    early.save()
    response = login("branch_a").get(pairing.get_absolute_url())
    related = {str(title): count for title, _table, count in response.context["related"]}
    assert related["帮扶活动"] == 4
    assert "结对前的走访" not in response.content.decode()
