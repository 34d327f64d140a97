"""Campaigns, their allocation plans (targets per unit) and the five kinds of pairing."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.campaigns.choices import PairingKind, PairingOrigin, PairingState, SolverRunState
from bangfu.core.models import BaseModel, RestrictedQuerySet
from bangfu.core.scope import Scope
from bangfu.geo.choices import Level
from bangfu.geo.models import InVillage


class Campaign(BaseModel):
    """A campaign such as the 2016 Five Thousand Action, with its period and counting rules."""

    name = models.CharField(_("行动名称"), max_length=100, unique=True)
    year = models.PositiveSmallIntegerField(_("年度"))
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"))
    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("行动范围"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("只有这个区域内的村可以结对;不填则不限。"),
    )
    max_branches_per_village = models.PositiveSmallIntegerField(_("每村最多结对支部数"), default=2)
    count_submitted = models.BooleanField(
        _("统计待审核台账"),
        default=False,
        help_text=_("勾选后,已提交未审核的台账也计入统计数字;默认只统计已审核通过的。"),
    )

    class Meta:
        ordering = ["-year", "name"]
        verbose_name = _("帮扶行动")
        verbose_name_plural = pgettext_lazy("plural", "帮扶行动")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gte=models.F("start")),
                name="campaign_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Campaigns are province-wide: anyone who may view campaigns sees them all."""
        return Q(pk__in=[]) if scope.nothing else Q()


class AllocationTarget(BaseModel):
    """One line of the task allocation plan (基本任务分配方案): a unit's target for one kind."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("帮扶行动"), on_delete=models.CASCADE, related_name="targets"
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="targets"
    )
    kind = models.CharField(_("结对类型"), max_length=20, choices=PairingKind.choices)
    target = models.PositiveIntegerField(_("目标数"))

    scope_unit_path = "unit"

    class Meta:
        ordering = ["campaign", "unit__name", "kind"]
        verbose_name = _("任务分配")
        verbose_name_plural = pgettext_lazy("plural", "任务分配")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "unit", "kind"],
                name="allocationtarget_unique",
                violation_error_message=_("该单位该类型的任务已分配。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.get_kind_display()} {self.target}"


class PairingQuerySet(RestrictedQuerySet):
    """Which pairings are in force: the one rule progress, figures and measures count by."""

    def in_force(self, on: datetime.date) -> PairingQuerySet:
        """Approved pairings whose term covers the day `on`."""
        return self.in_force_during(on, on)

    def in_force_during(
        self, first: datetime.date | None, last: datetime.date | None
    ) -> PairingQuerySet:
        """Approved pairings in force on some day from `first` to `last` (None: open). Claims
        waiting for approval and rejected ones are not pairings yet."""
        qs = self.filter(state=PairingState.APPROVED)
        if last is not None:
            qs = qs.filter(start__lte=last)
        if first is not None:
            qs = qs.filter(Q(end__isnull=True) | Q(end__gte=first))
        return qs

    def holding_slots(self, on: datetime.date | None = None) -> PairingQuerySet:
        """Claims waiting for approval and approved pairings (whose term reaches `on`, if
        given): what takes up a village's and a branch's slots in the campaign's limits."""
        qs = self.exclude(state=PairingState.REJECTED)
        if on is not None:
            qs = qs.filter(Q(end__isnull=True) | Q(end__gte=on))
        return qs


class Pairing(InVillage, BaseModel):
    """One pairing of the five kinds: a branch or one of its members with a village or household."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("帮扶行动"), on_delete=models.PROTECT, related_name="pairings"
    )
    kind = models.CharField(
        _("结对类型"), max_length=20, choices=PairingKind.choices, db_index=True
    )
    branch = models.ForeignKey(
        "orgs.Branch", verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="pairings"
    )
    member = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("帮扶人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
    )
    village = models.ForeignKey(
        "geo.Region",
        verbose_name=_("村"),
        on_delete=models.PROTECT,
        related_name="pairings",
        limit_choices_to={"level": Level.VILLAGE},
    )
    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("贫困户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="pairings",
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
    origin = models.CharField(
        _("结对方式"), max_length=10, choices=PairingOrigin.choices, default=PairingOrigin.ASSIGNED
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)
    state = models.CharField(
        _("审批状态"),
        max_length=10,
        choices=PairingState.choices,
        default=PairingState.APPROVED,
        db_index=True,
    )
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    reviewed_at = models.DateTimeField(_("审批时间"), null=True, blank=True, editable=False)
    review_note = models.CharField(_("驳回理由"), max_length=200, blank=True, editable=False)

    objects = PairingQuerySet.as_manager()

    scope_region_path = "village__code"
    scope_unit_path = "branch__unit"
    scope_branch_path = "branch"

    class Meta:
        ordering = ["campaign", "kind", "branch", "pk"]
        verbose_name = _("结对")
        verbose_name_plural = pgettext_lazy("plural", "结对")
        permissions = [("approve_pairing", _("审批结对认领"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="pairing_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        who = self.member.name if self.member_id else str(self.branch)
        whom = str(self.household) if self.household_id else str(self.village)
        return f"{who} ↔ {whom}"

    @property
    def is_active(self) -> bool:
        return self.end is None or self.end >= datetime.date.today()

    def clean(self) -> None:
        """The pairing's own rules (campaigns.rules); the campaign's limits, which depend on
        the other pairings, are checked by the service under row locks."""
        from bangfu.campaigns import rules

        super().clean()
        problems = rules.own_problems(self)
        if problems:
            raise ValidationError({field: message for field, message in problems})


class OfficeWork(models.Model):
    """The office's working data (solver runs): province-wide, reached by permission alone."""

    objects = RestrictedQuerySet.as_manager()

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[]) if scope.nothing else Q()

    @classmethod
    def edit_q(cls, user: object) -> Q:
        return Q()


class SolverRun(OfficeWork):
    """One run of the allocation solver for a campaign: its proposal waits for the office's
    review; accepting it turns the proposal into pairings."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("帮扶行动"), on_delete=models.CASCADE, related_name="solver_runs"
    )
    job = models.ForeignKey(
        "core.Job", verbose_name=_("后台任务"), on_delete=models.SET_NULL, null=True, blank=True
    )
    state = models.CharField(
        _("状态"), max_length=12, choices=SolverRunState.choices, default=SolverRunState.QUEUED
    )
    status = models.CharField(_("求解状态"), max_length=20, blank=True)
    objective = models.FloatField(_("总成本"), null=True, blank=True)
    mip_gap = models.FloatField(_("最优性差距"), null=True, blank=True)
    seconds = models.FloatField(_("用时(秒)"), default=0)
    candidates = models.PositiveIntegerField(_("候选组合数"), default=0)
    problems = models.JSONField(_("不可行原因"), default=list, blank=True)
    totals = models.JSONField(_("各项成本合计"), default=dict, blank=True)
    prefectures = models.JSONField(_("市州负担"), default=list, blank=True)
    weights = models.JSONField(_("权重"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
    )
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("采纳人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("采纳时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("求解方案")
        verbose_name_plural = pgettext_lazy("plural", "求解方案")

    def __str__(self) -> str:
        return _("{campaign}的分配方案 #{n}").format(campaign=self.campaign, n=self.pk)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("campaigns:solver_run", args=[self.pk])

    @property
    def is_open(self) -> bool:
        """Still editable and acceptable."""
        return self.state == SolverRunState.PROPOSED


class ProposedPair(models.Model):
    """One pairing the solver proposes, with the cost terms that explain it."""

    run = models.ForeignKey(SolverRun, on_delete=models.CASCADE, related_name="pairs")
    kind = models.CharField(_("结对类型"), max_length=20, choices=PairingKind.choices)
    branch = models.ForeignKey(
        "orgs.Branch", verbose_name=_("党支部"), on_delete=models.CASCADE, related_name="+"
    )
    member = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("专业人才"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    village = models.ForeignKey(
        "geo.Region", verbose_name=_("村"), on_delete=models.CASCADE, related_name="+"
    )
    specialty = models.CharField(_("专业"), max_length=30, blank=True)
    cost = models.FloatField(_("成本"))
    keep = models.FloatField(_("保持现有结对"), default=0)
    specialty_match = models.FloatField(_("专业对口"), default=0)
    resident_team = models.FloatField(_("驻村工作队"), default=0)
    distance = models.FloatField(_("路程"), default=0)
    balance = models.FloatField(_("市州均衡"), default=0)
    km = models.FloatField(_("距离(公里)"), default=0)
    edited = models.BooleanField(_("人工调整"), default=False)

    class Meta:
        ordering = ["kind", "branch__unit__name", "branch__name", "pk"]
        verbose_name = _("建议结对")
        verbose_name_plural = pgettext_lazy("plural", "建议结对")

    def __str__(self) -> str:
        who = self.member.name if self.member_id else str(self.branch)
        return f"{who} ↔ {self.village}"

    def get_specialty_label(self) -> str:
        from bangfu.orgs.choices import Specialty

        try:
            return str(Specialty(self.specialty).label)
        except ValueError:
            return self.specialty
