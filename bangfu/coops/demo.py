"""The seed's bee-keeping cooperative for the demo scenario (called at the end of build()).

"以扶贫资金折成股份让谭世远等123户贫困户加入了养蜂专业合作社" (地古屯村, 石阡县枫香乡, June
2016): 123 poor households of 地古屯村 (scaled) hold shares converted from a relief fund, the
village collective and a lead bee farmer hold their own, and the 2016 dividend is confirmed
and mostly paid, so it shows in the households' property income and their exit review.

The households are registered poor households of the village that no secretary has paired
(the campaign's 2,152 helped households stay as the report has them). Everything after the
registry rows goes through services.py, as a user's work would, and is change-logged.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import F
from django.db.models.functions import Greatest

from bangfu.coops import services
from bangfu.coops.choices import CoopSector, MemberKind
from bangfu.coops.models import Cooperative, CoopMember, ReliefFund
from bangfu.geo.models import VillageYear
from bangfu.ledger.choices import FundSource
from bangfu.orgs.choices import Sex
from bangfu.registry.choices import HouseholdStatus
from bangfu.registry.models import Household, Person

DIGUTUN = "520623205210"
COOP_NAME = "石阡县地古屯中华蜂养殖专业合作社"
SEED_HOUSEHOLDS = 123
SHARES_PER_HOUSEHOLD = 5000  # 5,000 yuan of relief money each, one yuan a share
FOUNDED = datetime.date(2016, 6, 15)
TERM_END = datetime.date(2019, 6, 14)
PROFIT_PER_SHARE = Decimal("0.0613")  # the first half-year's distributable surplus
PAID_ON = datetime.date(2017, 1, 20)


def build_coop(b: Any) -> Cooperative | None:
    """Add the cooperative to a scenario being built (`b` is demo.scenario's _Builder)."""
    from bangfu.demo.scenario import CAMPAIGN_YEAR

    village = b.village_by_code.get(DIGUTUN)
    if village is None:
        return None
    # A rebuild after the registry was wiped (tests) starts the cooperative afresh.
    Cooperative.objects.filter(village_id=village.region_id, name=COOP_NAME).delete()
    wanted = max(1, round(SEED_HOUSEHOLDS * b.scale))
    existing = list(
        Household.objects.filter(
            village_id=village.region_id, status__in=services.ELIGIBLE_STATUSES
        ).order_by("number")[:wanted]
    )
    new = []
    for _ in range(wanted - len(existing)):
        household, _people = b.household(village)
        household.status, household.exit_year = HouseholdStatus.POOR, None
        new.append(household)
    _name_tan_shiyuan(b, new)
    b.save_households(new)
    VillageYear.objects.filter(village_id=village.region_id, year=CAMPAIGN_YEAR).update(
        poor_households=Greatest(F("poor_households"), village_households(village.region_id)),
        poor_population=Greatest(F("poor_population"), village_people(village.region_id)),
    )
    b.count("coop_households", len(existing) + len(new))

    coop = Cooperative(
        name=COOP_NAME,
        village_id=village.region_id,
        sector=CoopSector.BREEDING,
        registration_number="93520623MA6DL" + f"{b.rng.randrange(10**5):05d}",
        registered_on=FOUNDED,
        contact_name=b.name(Sex.MALE, "谭"),
        contact_phone=b.phone(),
        note="驻村第一书记张锦华(省农科院畜牧兽医研究所)带领贫困户养殖中华蜂;"
        "每户免费分到两箱中华蜂,以扶贫资金折股入社。",
    )
    coop.full_clean()
    coop.save()
    households = existing + new
    fund = ReliefFund.objects.create(
        coop=coop,
        name="财政专项扶贫资金(中华蜂产业)",
        source=FundSource.FISCAL,
        year=CAMPAIGN_YEAR,
        amount=Decimal(SHARES_PER_HOUSEHOLD * len(households)),
        share_price=Decimal("1"),
    )
    services.grant_shares(fund, households, SHARES_PER_HOUSEHOLD, FOUNDED, end=TERM_END)
    collective = services.collective_member(coop, FOUNDED)
    services.add_capital(collective, 100_000, Decimal("100000"), FOUNDED)
    farmer = CoopMember.objects.create(
        coop=coop,
        kind=MemberKind.ENTERPRISE,
        name=coop.contact_name,
        joined_on=FOUNDED,
    )
    services.add_capital(farmer, 150_000, Decimal("150000"), FOUNDED)

    shares = SHARES_PER_HOUSEHOLD * len(households) + 250_000
    profit = (PROFIT_PER_SHARE * shares).quantize(Decimal("0.01"))
    run = services.confirm_run(coop, CAMPAIGN_YEAR, profit, note="2016年下半年蜂蜜销售盈余")
    dividends = list(run.dividends.select_related("member", "run").order_by("pk"))
    # The last few households' dividends wait for their bank cards.
    unpaid = max(1, len(dividends) // 20)
    services.record_payments(dividends[:-unpaid], PAID_ON, "card", "惠民惠农一卡通")
    return coop


def village_households(village_id: int) -> int:
    return Household.objects.filter(village_id=village_id).count()


def village_people(village_id: int) -> int:
    return Person.objects.filter(household__village_id=village_id).count()


def _name_tan_shiyuan(b: Any, households: list[Household]) -> None:
    """The report names one of them: 谭世远. The first new household with a male head is his."""
    for household in households:
        head = b.people_of[id(household)][0]
        if head.sex == Sex.MALE:
            head.name = household.head_name = "谭世远"
            return
