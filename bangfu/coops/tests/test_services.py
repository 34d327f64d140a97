"""Granting shares, ending them, dividend runs, payments and the dividend in the exit review."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError

from bangfu.conftest import make_household
from bangfu.coops import services
from bangfu.coops.models import CoopMember, Dividend, DividendRun, Shareholding
from bangfu.core.models import ObjectChange
from bangfu.registry.models import HouseholdIncome
from bangfu.registry.services import exit_review, poverty_line

D = datetime.date


def grant(fund, households, shares=1000, **kwargs):
    return services.grant_shares(fund, households, shares, D(2016, 6, 1), **kwargs)


def test_grant_makes_the_household_a_member_holding_the_shares(world, fund):
    (holding,) = grant(fund, [world.household_a], shares=2000)

    assert holding.member.household == world.household_a
    assert holding.member.kind == "poor_household"
    assert (holding.shares, holding.amount, holding.fund) == (2000, Decimal("2000"), fund)
    assert fund.granted_amount() == Decimal("2000")


def test_grant_refuses_a_household_of_another_village(world, fund):
    with pytest.raises(ValidationError, match="不在宝山村"):
        grant(fund, [world.household_b])
    assert not Shareholding.objects.exists()
    assert not CoopMember.objects.exists()


def test_grant_refuses_a_household_already_lifted_out(world, fund):
    world.household_a.status = "lifted"
    world.household_a.exit_year = 2015
    world.household_a.save()
    with pytest.raises(ValidationError, match="只有贫困户"):
        grant(fund, [world.household_a])
    assert not Shareholding.objects.exists()


def test_grant_refuses_a_household_outside_the_users_scope(world, fund):
    with pytest.raises(ValidationError, match="管辖范围"):
        grant(fund, [world.household_a], user=world.users["unit_b"])
    assert grant(fund, [world.household_a], user=world.users["village_a"])


@pytest.mark.parametrize("shares", [0, -5])
def test_grant_refuses_no_shares(world, fund, shares):
    with pytest.raises(ValidationError, match="大于零"):
        grant(fund, [world.household_a], shares=shares)


def test_grant_refuses_more_than_the_fund_holds_and_writes_nothing(world, fund):
    second, _p = make_household(world.baoshan, "5205241162140002", "张虎", 3)
    grant(fund, [world.household_a], shares=6000)
    with pytest.raises(ValidationError, match="资金不足"):
        # 4,000 yuan left; two households at 3,000 each need 6,000.
        grant(fund, [world.household_a, second], shares=3000)
    assert Shareholding.objects.count() == 1
    assert not CoopMember.objects.filter(household=second).exists()
    grant(fund, [world.household_a, second], shares=2000)  # exactly what is left
    assert fund.granted_amount() == fund.amount


def test_a_share_returning_to_the_collective_on_exit_moves_to_it(world, fund):
    (holding,) = grant(fund, [world.household_a], shares=1000)

    successor = services.end_holding(holding, D(2017, 3, 1), "迁出本村")

    holding.refresh_from_db()
    assert holding.ended_on == D(2017, 3, 1)
    assert successor.member.kind == "collective"
    assert (successor.shares, successor.start, successor.transferred_from) == (
        1000,
        D(2017, 3, 1),
        holding,
    )
    # The register on each side of the day, and the fund counted once.
    assert [(m.kind, n) for m, n in services.register_on(fund.coop, D(2017, 2, 28))] == [
        ("poor_household", 1000)
    ]
    assert [(m.kind, n) for m, n in services.register_on(fund.coop, D(2017, 3, 1))] == [
        ("collective", 1000)
    ]
    assert fund.granted_amount() == Decimal("1000")
    with pytest.raises(ValidationError):
        services.end_holding(holding, D(2017, 4, 1), "again")


def test_a_share_that_stays_with_the_household_just_ends(world, fund):
    (holding,) = grant(fund, [world.household_a], returns_to_collective=False)
    assert services.end_holding(holding, D(2017, 3, 1), "赎回") is None
    assert services.register_on(fund.coop, D(2017, 3, 1)) == []


def test_a_share_past_its_term_earns_nothing(world, fund):
    grant(fund, [world.household_a], end=D(2016, 12, 30))
    with pytest.raises(ValidationError, match="没有有效的股权"):
        services.preview_run(fund.coop, 2016, Decimal("100"))


def make_register(world, fund):
    """Three holders: two households (1,000 and 2,000 shares) and a farmer's own 3,000."""
    second, _p = make_household(world.baoshan, "5205241162140002", "张虎", 3)
    grant(fund, [world.household_a], shares=1000)
    grant(fund, [second], shares=2000)
    farmer = CoopMember.objects.create(
        coop=fund.coop, kind="farmer", name="养蜂大户", joined_on=D(2016, 6, 1)
    )
    services.add_capital(farmer, 3000, Decimal("3000"), D(2016, 6, 1))
    return second, farmer


def test_a_run_splits_the_profit_by_shares_to_the_fen(world, fund):
    make_register(world, fund)

    preview = services.preview_run(fund.coop, 2016, Decimal("1000.00"))

    parts = {line.member.name: line.amount for line in preview.lines}
    assert parts == {
        "养蜂大户": Decimal("500.00"),
        "张虎": Decimal("333.33"),
        "张龙": Decimal("166.67"),
    }
    assert preview.total == Decimal("1000.00")
    assert preview.total_shares == 6000
    assert not DividendRun.objects.exists()  # a preview writes nothing


def test_confirming_a_run_saves_it_and_refuses_a_second_run_for_the_year(world, fund):
    make_register(world, fund)
    run = services.confirm_run(fund.coop, 2016, Decimal("1000.00"), user=world.users["office"])

    assert run.total_shares == 6000
    assert run.confirmed_by == world.users["office"]
    assert sum(d.amount for d in run.dividends.all()) == Decimal("1000.00")
    assert run.dividends.filter(household__isnull=True).get().member.name == "养蜂大户"
    with pytest.raises(ValidationError, match="已分红"):
        services.confirm_run(fund.coop, 2016, Decimal("50"))
    assert DividendRun.objects.count() == 1


def test_confirming_adds_each_households_dividend_to_its_property_income(world, fund):
    second, _farmer = make_register(world, fund)
    HouseholdIncome.objects.create(
        household=world.household_a, year=2016, property_income=Decimal("20")
    )

    services.confirm_run(fund.coop, 2016, Decimal("1000.00"))

    assert HouseholdIncome.objects.get(household=world.household_a, year=2016).property_income == (
        Decimal("186.67")
    )
    # A household without an income row for the year gets one.
    assert HouseholdIncome.objects.get(household=second, year=2016).property_income == (
        Decimal("333.33")
    )
    change = ObjectChange.objects.filter(
        content_type=ContentType.objects.get_for_model(HouseholdIncome),
        related_object_id=world.household_a.pk,
        action="update",
    ).get()
    assert change.diff() == [("property_income", "20.00", "186.67")]


def test_a_run_that_fails_writes_nothing(world, fund, monkeypatch):
    make_register(world, fund)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "add_property_income", broken)
    with pytest.raises(RuntimeError):
        services.confirm_run(fund.coop, 2016, Decimal("1000.00"))
    assert not DividendRun.objects.exists()
    assert not Dividend.objects.exists()
    assert not HouseholdIncome.objects.exists()


def test_the_dividend_lifts_a_household_just_below_the_line_through_the_exit_review(world, fund):
    household = world.household_a  # one person
    line = poverty_line(2016)
    for name in ("food_ok", "clothing_ok", "education_ok", "medical_ok", "housing_ok", "water_ok"):
        setattr(household, name, True)
    household.save()
    HouseholdIncome.objects.create(
        household=household, year=2016, wage_income=line - 146, transfer_income=100
    )
    grant(fund, [household], shares=1000)
    before = exit_review(household, 2016)
    assert not before.passed
    assert before.failures[0].check == "income"

    services.confirm_run(fund.coop, 2016, Decimal("46.00"))

    after = exit_review(household, 2016)
    assert after.passed, after.messages
    assert after.income == line


def test_payments_are_recorded_once(world, fund):
    make_register(world, fund)
    run = services.confirm_run(fund.coop, 2016, Decimal("1000.00"))
    households = list(run.dividends.filter(household__isnull=False))

    assert services.record_payments(households, D(2017, 1, 10), "card", "一卡通") == 2

    paid = run.dividends.filter(paid_on__isnull=False)
    assert {(d.paid_on, d.method) for d in paid} == {(D(2017, 1, 10), "card")}
    assert run.dividends.filter(paid_on__isnull=True).count() == 1
    with pytest.raises(ValidationError, match="已支付"):
        services.record_payments(households, D(2017, 1, 11), "cash")
    assert {d.paid_on for d in run.dividends.filter(household__isnull=False)} == {D(2017, 1, 10)}


def test_a_payment_before_the_record_date_or_in_the_future_is_refused(world, fund):
    make_register(world, fund)
    run = services.confirm_run(fund.coop, 2016, Decimal("1000.00"))
    with pytest.raises(ValidationError, match="股权登记日"):
        services.record_payments(run.dividends.all(), D(2016, 12, 1), "cash")
    with pytest.raises(ValidationError, match="今天"):
        services.record_payments(run.dividends.all(), D(2999, 1, 1), "cash")
    assert not run.dividends.filter(paid_on__isnull=False).exists()
