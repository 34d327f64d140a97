"""Cooperatives and relief funds turned into shares for poor households (资金折股量化).

A relief fund given to a cooperative is converted into shares granted to poor households
(`Shareholding`); each year the cooperative's distributable profit is split by shares
(`DividendRun`, one `Dividend` per holder), paid, and counted as the household's property
income for that year (see services.py).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.coops.choices import CoopSector, MemberKind, PaymentMethod
from bangfu.core.models import BaseModel
from bangfu.core.scope import Scope
from bangfu.geo.choices import Level
from bangfu.geo.models import InVillage, Region
from bangfu.ledger.choices import FundSource

MONEY = {"max_digits": 14, "decimal_places": 2}


class Cooperative(InVillage, BaseModel):
    """A farmers' specialised cooperative (农民专业合作社) based in a village."""

    name = models.CharField(_("合作社名称"), max_length=100)
    village = models.ForeignKey(
        Region,
        verbose_name=_("所在村"),
        on_delete=models.PROTECT,
        related_name="cooperatives",
        limit_choices_to={"level": Level.VILLAGE},
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
    sector = models.CharField(_("产业类别"), max_length=20, choices=CoopSector.choices)
    registration_number = models.CharField(
        _("统一社会信用代码"), max_length=18, blank=True, help_text=_("工商登记的18位代码")
    )
    registered_on = models.DateField(_("登记日期"), null=True, blank=True)
    contact_name = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    note = models.TextField(_("备注"), blank=True)

    personal_fields = ("contact_phone",)  # the person in charge's own phone
    scope_region_path = "village__code"

    class Meta:
        ordering = ["county_code", "name"]
        verbose_name = _("合作社")
        verbose_name_plural = pgettext_lazy("plural", "合作社")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "name"],
                name="cooperative_unique_name",
                violation_error_message=_("该村已有同名合作社。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        return Q(village__in=Region.objects.filter(Region.scope_q(scope)))

    @classmethod
    def for_choices(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("village")


class InCooperative(BaseModel):
    """A record of one cooperative: scoped and logged through it."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(coop__in=Cooperative.objects.filter(Cooperative.scope_q(scope)))

    def changelog_parent(self) -> Cooperative:
        return self.coop

    def get_absolute_url(self) -> str:
        return self.coop.get_absolute_url()


class CoopMember(InCooperative):
    """A member of a cooperative: a registered poor household, another farmer, the village
    collective or an enterprise. A household member is named by its household."""

    coop = models.ForeignKey(
        Cooperative, verbose_name=_("合作社"), on_delete=models.CASCADE, related_name="members"
    )
    kind = models.CharField(_("成员类别"), max_length=20, choices=MemberKind.choices)
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("贫困户"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="coop_memberships",
    )
    name = models.CharField(_("成员名称"), max_length=100)
    joined_on = models.DateField(_("入社日期"))
    left_on = models.DateField(_("退社日期"), null=True, blank=True)

    class Meta:
        ordering = ["coop", "kind", "name", "pk"]
        verbose_name = _("合作社成员")
        verbose_name_plural = pgettext_lazy("plural", "合作社成员")
        constraints = [
            models.UniqueConstraint(
                fields=["coop", "household"],
                condition=Q(household__isnull=False),
                name="coopmember_unique_household",
                violation_error_message=_("该户已是本合作社成员。"),
            ),
            models.CheckConstraint(
                condition=~Q(kind="poor_household") | Q(household__isnull=False),
                name="coopmember_poor_household_named",
                violation_error_message=_("贫困户成员须关联建档立卡户。"),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ReliefFund(InCooperative):
    """Relief money put into the cooperative and converted into shares (扶贫资金折股)."""

    coop = models.ForeignKey(
        Cooperative, verbose_name=_("合作社"), on_delete=models.CASCADE, related_name="funds"
    )
    name = models.CharField(_("资金名称"), max_length=100)
    source = models.CharField(_("资金来源"), max_length=20, choices=FundSource.choices)
    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(
        _("金额(元)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    share_price = models.DecimalField(
        _("每股金额(元)"),
        max_digits=10,
        decimal_places=2,
        default=Decimal("1.00"),
        validators=[MinValueValidator(Decimal("0.01"))],
    )

    class Meta:
        ordering = ["coop", "year", "pk"]
        verbose_name = _("折股资金")
        verbose_name_plural = pgettext_lazy("plural", "折股资金")

    def __str__(self) -> str:
        return _("{name}({year}年)").format(name=self.name, year=self.year)

    def granted_amount(self) -> Decimal:
        """Money of this fund already converted into shares (ended holdings included: a share
        that returned to the collective is still money of this fund)."""
        total = self.holdings.filter(transferred_from__isnull=True).aggregate(
            t=models.Sum("amount")
        )["t"]
        return total or Decimal("0")


class Shareholding(InCooperative):
    """Shares a member holds in a cooperative for a term (股权登记).

    Shares converted from a relief fund name the fund; a member's own capital does not. A
    holding is never deleted: leaving ends it (`ended_on`), and a share that returns to the
    collective becomes a new holding of the collective that names this one.
    """

    coop = models.ForeignKey(
        Cooperative, verbose_name=_("合作社"), on_delete=models.CASCADE, related_name="holdings"
    )
    member = models.ForeignKey(
        CoopMember, verbose_name=_("持股成员"), on_delete=models.CASCADE, related_name="holdings"
    )
    fund = models.ForeignKey(
        ReliefFund,
        verbose_name=_("折股资金"),
        on_delete=models.RESTRICT,
        null=True,
        blank=True,
        related_name="holdings",
        help_text=_("空白表示成员自有资金入股"),
    )
    shares = models.PositiveIntegerField(_("股数"), validators=[MinValueValidator(1)])
    amount = models.DecimalField(_("折股金额(元)"), **MONEY)
    start = models.DateField(_("起始日期"))
    end = models.DateField(_("到期日期"), null=True, blank=True)
    returns_to_collective = models.BooleanField(
        _("退出时股份收归村集体"),
        default=True,
        help_text=_("贫困户退出合作社时,扶贫资金折成的股份归村集体所有"),
    )
    ended_on = models.DateField(_("终止日期"), null=True, blank=True)
    end_reason = models.CharField(_("终止原因"), max_length=200, blank=True)
    transferred_from = models.ForeignKey(
        "self",
        verbose_name=_("转自"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="transfers",
        editable=False,
    )

    class Meta:
        ordering = ["coop", "start", "pk"]
        verbose_name = _("股权")
        verbose_name_plural = pgettext_lazy("plural", "股权")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="shareholding_end_after_start",
                violation_error_message=_("到期日期不能早于起始日期。"),
            )
        ]

    def __str__(self) -> str:
        return _("{member} {shares}股").format(member=self.member, shares=self.shares)

    def active_on(self, day: datetime.date) -> bool:
        return (
            self.start <= day
            and (self.end is None or day <= self.end)
            and (self.ended_on is None or day < self.ended_on)
        )

    @staticmethod
    def active_q(day: datetime.date) -> Q:
        return (
            Q(start__lte=day)
            & (Q(end__isnull=True) | Q(end__gte=day))
            & (Q(ended_on__isnull=True) | Q(ended_on__gt=day))
        )


class DividendRun(InCooperative):
    """One year's distributable profit split among the holders by shares, confirmed once."""

    coop = models.ForeignKey(
        Cooperative, verbose_name=_("合作社"), on_delete=models.CASCADE, related_name="runs"
    )
    year = models.PositiveSmallIntegerField(_("分红年度"))
    record_date = models.DateField(_("股权登记日"), help_text=_("按该日有效的股权分配,一般为年末"))
    profit = models.DecimalField(
        _("可分配盈余(元)"), **MONEY, validators=[MinValueValidator(Decimal("0.01"))]
    )
    total_shares = models.PositiveIntegerField(_("总股数"), editable=False)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("确认人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
    )
    confirmed_at = models.DateTimeField(_("确认时间"), editable=False)
    note = models.CharField(_("说明"), max_length=200, blank=True)

    class Meta:
        ordering = ["coop", "-year"]
        verbose_name = _("分红")
        verbose_name_plural = pgettext_lazy("plural", "分红")
        constraints = [
            models.UniqueConstraint(
                fields=["coop", "year"],
                name="dividendrun_unique_year",
                violation_error_message=_("该合作社该年度已分红。"),
            )
        ]

    def __str__(self) -> str:
        return _("{coop} {year}年分红").format(coop=self.coop, year=self.year)

    def get_absolute_url(self) -> str:
        return reverse("coops:dividendrun_detail", args=[self.pk])


class Dividend(BaseModel):
    """One holder's part of a dividend run, to the fen, and its payment."""

    run = models.ForeignKey(
        DividendRun, verbose_name=_("分红"), on_delete=models.CASCADE, related_name="dividends"
    )
    member = models.ForeignKey(
        CoopMember, verbose_name=_("持股成员"), on_delete=models.CASCADE, related_name="dividends"
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("贫困户"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="dividends",
    )
    shares = models.PositiveIntegerField(_("股数"))
    amount = models.DecimalField(_("分红金额(元)"), **MONEY)
    paid_on = models.DateField(_("支付日期"), null=True, blank=True)
    method = models.CharField(
        _("支付方式"), max_length=10, choices=PaymentMethod.choices, blank=True
    )
    payment_note = models.CharField(_("支付备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["run", "member__name", "pk"]
        verbose_name = _("分红明细")
        verbose_name_plural = pgettext_lazy("plural", "分红明细")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "member"],
                name="dividend_unique_member",
                violation_error_message=_("同一成员在一次分红中只有一条明细。"),
            )
        ]

    def __str__(self) -> str:
        return _("{member} {amount}元").format(member=self.member, amount=self.amount)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(run__coop__in=Cooperative.objects.filter(Cooperative.scope_q(scope)))

    def changelog_parent(self) -> DividendRun:
        return self.run

    def get_absolute_url(self) -> str:
        return self.run.get_absolute_url()
