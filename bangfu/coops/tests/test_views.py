"""Cooperative pages: scope, granting shares, running dividends (preview, confirm), payments."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from bangfu.conftest import make_household
from bangfu.coops import services
from bangfu.coops.models import Cooperative, DividendRun, Shareholding
from bangfu.registry.models import HouseholdIncome

D = datetime.date


@pytest.fixture
def second(world):
    household, _person = make_household(world.baoshan, "5205241162140002", "张虎", 3)
    return household


@pytest.fixture
def lebang_coop(world):
    return Cooperative.objects.create(
        name="乐邦村茶叶合作社", village=world.lebang, sector="planting"
    )


def test_list_shows_only_the_cooperatives_in_scope(login, coop, lebang_coop):
    names = {
        user: {
            c.name for c in login(user).get(reverse("coops:cooperative_list")).context["table"].data
        }
        for user in ("office", "unit_a", "village_a", "viewer_bijie")
    }
    assert names["office"] == {coop.name, lebang_coop.name}
    assert names["unit_a"] == {coop.name}
    assert names["village_a"] == {coop.name}
    assert names["viewer_bijie"] == {coop.name}


def test_other_units_and_villages_get_404(login, coop):
    for user in ("unit_b",):
        client = login(user)
        assert client.get(coop.get_absolute_url()).status_code == 404
        assert client.get(reverse("coops:grant", args=[coop.pk])).status_code == 404
        assert client.get(reverse("coops:run", args=[coop.pk])).status_code == 404


def test_detail_shows_the_register_and_actions_to_those_who_may_act(login, world, fund, coop):
    services.grant_shares(fund, [world.household_a], 1000, D(2016, 6, 1))
    page = login("village_a").get(coop.get_absolute_url())
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="grant"' in html and 'data-testid="run"' in html
    assert (
        "张龙" in html
        and reverse("coops:holding_end", args=[Shareholding.objects.get().pk]) in html
    )

    viewer = login("viewer_bijie").get(coop.get_absolute_url())
    assert viewer.status_code == 200
    assert "张龙" in viewer.content.decode()
    assert 'data-testid="grant"' not in viewer.content.decode()
    assert "holdings/" not in viewer.content.decode()


def test_viewer_and_member_cannot_grant_or_run(login, world, coop, fund):
    for user in ("viewer_bijie", "member_a"):
        client = login(user)
        url = reverse("coops:grant", args=[coop.pk])
        post = {
            "fund": fund.pk,
            "shares": 10,
            "start": "2016-06-01",
            "households": [world.household_a.pk],
        }
        assert client.post(url, post).status_code == 403
        run = reverse("coops:run", args=[coop.pk])
        assert client.post(run, {"year": 2016, "profit": "10", "confirm": "1"}).status_code == 403
    assert not Shareholding.objects.exists()
    assert not DividendRun.objects.exists()


def test_village_team_grants_shares_to_chosen_poor_households(login, world, coop, fund, second):
    client = login("village_a")
    page = client.get(reverse("coops:grant", args=[coop.pk]))
    offered = set(page.context["form"].fields["households"].queryset)
    assert offered == {world.household_a, second}  # 乐邦村's household is not offered

    response = client.post(
        reverse("coops:grant", args=[coop.pk]),
        {
            "fund": fund.pk,
            "shares": 5000,
            "start": "2016-06-01",
            "returns_to_collective": "on",
            "households": [world.household_a.pk, second.pk],
        },
    )
    assert response.status_code == 302
    assert sorted(Shareholding.objects.values_list("member__household", "shares")) == sorted(
        [(world.household_a.pk, 5000), (second.pk, 5000)]
    )


def test_grant_page_names_the_reason_and_saves_nothing(login, world, coop, fund, second):
    response = login("village_a").post(
        reverse("coops:grant", args=[coop.pk]),
        {
            "fund": fund.pk,
            "shares": 6000,
            "start": "2016-06-01",
            "households": [world.household_a.pk, second.pk],
        },
    )
    assert response.status_code == 200
    assert "资金不足" in response.content.decode()
    assert not Shareholding.objects.exists()


def test_run_is_previewed_then_confirmed(login, world, coop, fund, second):
    services.grant_shares(fund, [world.household_a], 1000, D(2016, 6, 1))
    services.grant_shares(fund, [second], 2000, D(2016, 6, 1))
    client = login("unit_a")
    url = reverse("coops:run", args=[coop.pk])
    form = {"year": 2016, "profit": "100.00", "record_date": "", "note": ""}

    preview = client.post(url, {**form, "preview": "1"})
    assert preview.status_code == 200
    lines = {line.member.name: line.amount for line in preview.context["preview"].lines}
    assert lines == {"张虎": Decimal("66.67"), "张龙": Decimal("33.33")}
    assert 'data-testid="confirm"' in preview.content.decode()
    assert not DividendRun.objects.exists()

    confirmed = client.post(url, {**form, "confirm": "1"})
    run = DividendRun.objects.get()
    assert confirmed.status_code == 302 and confirmed.url == run.get_absolute_url()
    assert run.confirmed_by == world.users["unit_a"]
    assert HouseholdIncome.objects.get(household=second, year=2016).property_income == Decimal(
        "66.67"
    )
    again = client.post(url, {**form, "confirm": "1"})
    assert "已分红" in again.content.decode()
    assert DividendRun.objects.count() == 1


def test_payments_are_recorded_from_the_run_page(login, world, coop, fund, second):
    services.grant_shares(fund, [world.household_a, second], 1000, D(2016, 6, 1))
    run = services.confirm_run(coop, 2016, Decimal("100.00"))
    mine = run.dividends.get(household=world.household_a)
    client = login("village_a")
    page = client.get(run.get_absolute_url())
    assert page.status_code == 200 and page.context["can_pay"]

    response = client.post(
        reverse("coops:payments", args=[run.pk]),
        {"paid_on": "2017-01-15", "method": "bank", "note": "", "dividend": [mine.pk]},
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert (mine.paid_on, mine.method) == (D(2017, 1, 15), "bank")
    assert run.dividends.filter(paid_on__isnull=True).count() == 1

    twice = client.post(
        reverse("coops:payments", args=[run.pk]),
        {"paid_on": "2017-01-16", "method": "cash", "dividend": [mine.pk]},
    )
    assert twice.status_code == 400 and "已支付" in twice.content.decode()
    mine.refresh_from_db()
    assert mine.paid_on == D(2017, 1, 15)


def test_viewer_sees_a_run_but_cannot_record_payments(login, world, coop, fund):
    services.grant_shares(fund, [world.household_a], 1000, D(2016, 6, 1))
    run = services.confirm_run(coop, 2016, Decimal("10.00"))
    client = login("viewer_bijie")
    page = client.get(run.get_absolute_url())
    assert page.status_code == 200 and not page.context["can_pay"]
    response = client.post(
        reverse("coops:payments", args=[run.pk]),
        {"paid_on": "2017-01-15", "method": "bank", "dividend": [run.dividends.get().pk]},
    )
    assert response.status_code == 403
    assert not run.dividends.filter(paid_on__isnull=False).exists()
    assert login("unit_b").get(run.get_absolute_url()).status_code == 404


def test_members_funds_and_cooperatives_are_added_through_their_forms(login, world):
    client = login("village_a")
    response = client.post(
        reverse("coops:cooperative_add"),
        {"name": "宝山村养蜂合作社", "village": world.baoshan.code, "sector": "breeding"},
    )
    coop = Cooperative.objects.get()
    assert response.status_code == 302 and coop.county_code == "520524"
    assert (
        client.post(
            reverse("coops:fund_add", args=[coop.pk]),
            {
                "name": "扶贫资金",
                "source": "fiscal",
                "year": 2016,
                "amount": "615000",
                "share_price": "1",
            },
        ).status_code
        == 302
    )
    client.post(
        reverse("coops:member_add", args=[coop.pk]),
        {
            "kind": "farmer",
            "name": "养蜂大户",
            "joined_on": "2016-06-01",
            "shares": 100,
            "amount": "100",
        },
    )
    assert [
        (m, n) for m, n in ((m.name, n) for m, n in services.register_on(coop, D(2016, 7, 1)))
    ] == [("养蜂大户", 100)]
    # A cooperative outside the team's village is refused.
    outside = client.post(
        reverse("coops:cooperative_add"),
        {"name": "乐邦合作社", "village": world.lebang.code, "sector": "planting"},
    )
    assert outside.status_code == 200
    assert Cooperative.objects.count() == 1
