"""A bee-keeping cooperative in the world's 宝山村 with a relief fund."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest

from bangfu.coops.models import Cooperative, ReliefFund


@pytest.fixture
def coop(world: Any) -> Cooperative:
    return Cooperative.objects.create(
        name="宝山村中华蜂养殖专业合作社",
        village=world.baoshan,
        sector="breeding",
        registered_on=datetime.date(2016, 6, 1),
        contact_name="张锦华",
    )


@pytest.fixture
def fund(coop: Cooperative) -> ReliefFund:
    return ReliefFund.objects.create(
        coop=coop,
        name="财政专项扶贫资金",
        source="fiscal",
        year=2016,
        amount=Decimal("10000"),
        share_price=Decimal("1"),
    )
