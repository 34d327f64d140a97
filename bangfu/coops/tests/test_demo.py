"""The demo scenario holds the seed's bee-keeping cooperative."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bangfu.coops.demo import COOP_NAME, SHARES_PER_HOUSEHOLD
from bangfu.coops.models import Cooperative, Dividend
from bangfu.dashboard.figures import FigureSlice, compute_figures
from bangfu.demo.scenario import build, expected_figures
from bangfu.registry.models import HouseholdIncome


@pytest.mark.django_db
def test_demo_has_the_bee_keeping_cooperative_with_its_households_and_dividend() -> None:
    scenario = build(seed=7, scale=0.05)

    coop = Cooperative.objects.get(name=COOP_NAME)
    assert coop.village.code == "520623205210"  # 地古屯村
    households = coop.members.filter(kind="poor_household")
    assert households.count() == round(123 * 0.05)
    assert households.filter(name="谭世远").exists()
    assert coop.holdings.filter(fund__isnull=False).count() == households.count()
    assert {h.shares for h in coop.holdings.filter(fund__isnull=False)} == {SHARES_PER_HOUSEHOLD}
    run = coop.runs.get(year=2016)
    assert sum(d.amount for d in run.dividends.all()) == run.profit
    assert run.dividends.filter(paid_on__isnull=True).exists()
    assert run.dividends.filter(paid_on__isnull=False, method="card").exists()
    # Each household's dividend sits in its 2016 property income.
    for dividend in Dividend.objects.filter(run=run, household__isnull=False):
        income = HouseholdIncome.objects.get(household=dividend.household, year=2016)
        assert income.property_income >= dividend.amount > Decimal("0")
    # The campaign's figures are the report's, cooperative or not.
    assert compute_figures(FigureSlice(scenario.campaign)) == expected_figures(0.05)
