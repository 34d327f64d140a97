"""Business actions on cooperatives: granting shares, ending them, dividend runs, payments.

Views, the demo and tests all call these; none of them hold rules of their own.

Dividends reach the exit review through the household's income record: confirming a run adds
each household's dividend to `HouseholdIncome.property_income` of the run's year (creating
the row if the year has none). That row is the one figure the exit review, relapse
monitoring, the household page and the income exports all read, so they agree; the change log
keeps the before and after of every addition, and the run's dividends say where it came from.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from bangfu.coops.choices import MemberKind
from bangfu.coops.dividends import split_by_shares
from bangfu.coops.models import (
    Cooperative,
    CoopMember,
    Dividend,
    DividendRun,
    ReliefFund,
    Shareholding,
)
from bangfu.registry.choices import HouseholdStatus
from bangfu.registry.models import Household, HouseholdIncome

# Households that may receive shares converted from relief funds: registered and not lifted out.
ELIGIBLE_STATUSES = (HouseholdStatus.POOR, HouseholdStatus.RELAPSED, HouseholdStatus.MONITORED)


def eligible_households(coop: Cooperative, user: Any = None) -> Any:
    """Poor households of the cooperative's village (within the user's scope, if given)."""
    queryset = Household.objects.filter(village=coop.village, status__in=ELIGIBLE_STATUSES)
    if user is not None:
        queryset = queryset.restrict(user, "view")
    return queryset.order_by("number")


def _membership(coop: Cooperative, household: Household, on: datetime.date) -> CoopMember:
    member = CoopMember.objects.filter(coop=coop, household=household).first()
    if member is None:
        member = CoopMember(
            coop=coop,
            household=household,
            kind=MemberKind.POOR_HOUSEHOLD,
            name=household.head_name or household.number,
            joined_on=on,
        )
        member.full_clean()
        member.save()
    return member


def grant_shares(
    fund: ReliefFund,
    households: Iterable[Household],
    shares: int,
    start: datetime.date,
    end: datetime.date | None = None,
    returns_to_collective: bool = True,
    user: Any = None,
) -> list[Shareholding]:
    """Convert part of `fund` into `shares` shares for each household, all or none.

    Each household must be poor (not lifted out), live in the cooperative's village and be
    within the user's scope; the fund must still hold the money. Households join the
    cooperative if they are not members yet.
    """
    households = list(households)
    coop = fund.coop
    errors = []
    if shares is None or shares <= 0:
        errors.append(_("每户股数必须大于零。"))
    if end is not None and end < start:
        errors.append(_("到期日期不能早于起始日期。"))
    if not households:
        errors.append(_("请至少选择一户。"))
    reachable = (
        set(
            Household.objects.restrict(user, "view")
            .filter(pk__in=[h.pk for h in households])
            .values_list("pk", flat=True)
        )
        if user is not None
        else None
    )
    for h in households:
        if h.village_id != coop.village_id:
            errors.append(
                _("{household}不在{village},不能获得本合作社的股份。").format(
                    household=h, village=coop.village.name
                )
            )
        elif reachable is not None and h.pk not in reachable:
            errors.append(_("{household}不在您的管辖范围内。").format(household=h))
        elif h.status not in ELIGIBLE_STATUSES:
            errors.append(
                _("{household}的状态为“{status}”,只有贫困户可以获得扶贫资金折股。").format(
                    household=h, status=h.get_status_display()
                )
            )
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        fund = ReliefFund.objects.select_for_update().get(pk=fund.pk)
        each = fund.share_price * shares
        needed = each * len(households)
        left = fund.amount - fund.granted_amount()
        if needed > left:
            raise ValidationError(
                _("{fund}尚余{left}元,折股{count}户共需{needed}元,资金不足。").format(
                    fund=fund, left=left, count=len(households), needed=needed
                )
            )
        holdings = []
        for h in households:
            member = _membership(coop, h, start)
            holding = Shareholding(
                coop=coop,
                member=member,
                fund=fund,
                shares=shares,
                amount=each,
                start=start,
                end=end,
                returns_to_collective=returns_to_collective,
            )
            holding.full_clean()
            holding.save()
            holdings.append(holding)
        return holdings


def add_capital(
    member: CoopMember, shares: int, amount: Decimal, start: datetime.date
) -> Shareholding:
    """A member's own money put in as shares (no relief fund)."""
    if shares <= 0 or amount <= 0:
        raise ValidationError(_("股数和金额必须大于零。"))
    holding = Shareholding(
        coop=member.coop,
        member=member,
        shares=shares,
        amount=amount,
        start=start,
        returns_to_collective=False,
    )
    holding.full_clean()
    holding.save()
    return holding


def collective_member(coop: Cooperative, on: datetime.date) -> CoopMember:
    """The village collective's membership (created when a share first returns to it)."""
    member = CoopMember.objects.filter(coop=coop, kind=MemberKind.COLLECTIVE).first()
    if member is None:
        member = CoopMember(
            coop=coop,
            kind=MemberKind.COLLECTIVE,
            name=_("{village}村集体").format(village=coop.village.name.removesuffix("村")),
            joined_on=on,
        )
        member.full_clean()
        member.save()
    return member


def end_holding(holding: Shareholding, on: datetime.date, reason: str) -> Shareholding | None:
    """End a holding from `on` (the member left, or the share was redeemed). A holding that
    returns to the collective becomes the collective's from that day; that new holding is
    returned."""
    if holding.ended_on is not None:
        raise ValidationError(_("该股权已终止。"))
    if on < holding.start:
        raise ValidationError(_("终止日期不能早于起始日期。"))
    with transaction.atomic():
        holding.ended_on = on
        holding.end_reason = reason
        holding.save()
        if not holding.returns_to_collective:
            return None
        successor = Shareholding(
            coop=holding.coop,
            member=collective_member(holding.coop, on),
            fund=holding.fund,
            shares=holding.shares,
            amount=holding.amount,
            start=on,
            end=holding.end,
            returns_to_collective=False,
            transferred_from=holding,
        )
        successor.full_clean()
        successor.save()
        return successor


def register_on(coop: Cooperative, day: datetime.date) -> list[tuple[CoopMember, int]]:
    """The share register on a day: each member holding shares and how many, by member."""
    rows = (
        Shareholding.objects.filter(coop=coop)
        .filter(Shareholding.active_q(day))
        .values("member")
        .annotate(n=Sum("shares"))
        .order_by("member")
    )
    members = CoopMember.objects.select_related("household").in_bulk(
        [r["member"] for r in rows]
    )  # confirm_run reads each holder's household
    return [(members[r["member"]], r["n"]) for r in rows]


@dataclass
class DividendLine:
    member: CoopMember
    shares: int
    amount: Decimal


@dataclass
class DividendPreview:
    """A run worked out but not saved: what confirming it would write."""

    coop: Cooperative
    year: int
    record_date: datetime.date
    profit: Decimal
    lines: list[DividendLine]

    @property
    def total_shares(self) -> int:
        return sum(line.shares for line in self.lines)

    @property
    def total(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0"))

    @property
    def households(self) -> int:
        return sum(1 for line in self.lines if line.member.household_id)


def preview_run(
    coop: Cooperative, year: int, profit: Decimal, record_date: datetime.date | None = None
) -> DividendPreview:
    """Split `profit` among the holders on the record date (default: the year's last day)."""
    record_date = record_date or datetime.date(year, 12, 31)
    errors = []
    if profit is None or profit <= 0:
        errors.append(_("可分配盈余必须大于零。"))
    elif profit != profit.quantize(Decimal("0.01")):
        errors.append(_("金额最多精确到分。"))
    if DividendRun.objects.filter(coop=coop, year=year).exists():
        errors.append(_("{coop}{year}年已分红,不能重复分配。").format(coop=coop, year=year))
    register = register_on(coop, record_date)
    if not register:
        errors.append(_("{day}没有有效的股权,无法分红。").format(day=record_date.isoformat()))
    if errors:
        raise ValidationError(errors)
    parts = split_by_shares(profit, {m.pk: n for m, n in register})
    lines = [DividendLine(m, n, parts[m.pk]) for m, n in register]
    lines.sort(key=lambda line: (-line.shares, line.member.name, line.member.pk))
    return DividendPreview(coop, year, record_date, profit, lines)


def confirm_run(
    coop: Cooperative,
    year: int,
    profit: Decimal,
    record_date: datetime.date | None = None,
    note: str = "",
    user: Any = None,
) -> DividendRun:
    """Work the run out again from the register and save it with its dividends, adding each
    household's dividend to its property income of `year`: one transaction, all or nothing."""
    with transaction.atomic():
        # One run per cooperative and year: lock the cooperative so two confirmations queue.
        coop = Cooperative.objects.select_for_update().get(pk=coop.pk)
        preview = preview_run(coop, year, profit, record_date)
        run = DividendRun(
            coop=coop,
            year=year,
            record_date=preview.record_date,
            profit=preview.profit,
            total_shares=preview.total_shares,
            confirmed_by=user if getattr(user, "pk", None) else None,
            confirmed_at=timezone.now(),
            note=note,
        )
        run.full_clean()
        run.save()
        for line in preview.lines:
            household = line.member.household
            Dividend.objects.create(
                run=run,
                member=line.member,
                household=household,
                shares=line.shares,
                amount=line.amount,
            )
            if household is not None and line.amount:
                add_property_income(household, year, line.amount)
        return run


def add_property_income(household: Household, year: int, amount: Decimal) -> HouseholdIncome:
    """Count `amount` as the household's property income of `year` (logged: before, after)."""
    income = (
        HouseholdIncome.objects.select_for_update().filter(household=household, year=year).first()
    )
    if income is None:
        income = HouseholdIncome(household=household, year=year)
    income.property_income = (income.property_income or Decimal("0")) + amount
    income.save()
    return income


def record_payments(
    dividends: Iterable[Dividend],
    paid_on: datetime.date,
    method: str,
    note: str = "",
) -> int:
    """Mark dividends as paid; a dividend already paid is refused rather than paid twice."""
    dividends = list(dividends)
    already = [d for d in dividends if d.paid_on is not None]
    if already:
        raise ValidationError(
            _("以下成员的分红已支付:{names}").format(
                names="、".join(d.member.name for d in already)
            )
        )
    if paid_on > timezone.localdate():
        raise ValidationError(_("支付日期不能晚于今天。"))
    with transaction.atomic():
        for dividend in dividends:
            if paid_on < dividend.run.record_date:
                raise ValidationError(_("支付日期不能早于股权登记日。"))
            dividend.paid_on = paid_on
            dividend.method = method
            dividend.payment_note = note
            dividend.full_clean()
            dividend.save()
    return len(dividends)
