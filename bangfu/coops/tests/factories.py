"""One saved instance of every coops model, for tests that walk all domain models."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from bangfu.core.models import BaseModel


def one_of_each(world: Any) -> list[BaseModel]:
    from bangfu.coops import services
    from bangfu.coops.models import Cooperative, ReliefFund

    coop = Cooperative.objects.create(name="养蜂合作社", village=world.baoshan, sector="breeding")
    fund = ReliefFund.objects.create(
        coop=coop, name="扶贫资金", source="fiscal", year=2016, amount=Decimal("1000")
    )
    (holding,) = services.grant_shares(fund, [world.household_a], 100, datetime.date(2016, 6, 1))
    run = services.confirm_run(coop, 2016, Decimal("10.00"))
    return [coop, fund, holding.member, holding, run, run.dividends.get()]
