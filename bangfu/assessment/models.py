"""Assessment (考核): schemes of weighted indicators per campaign year, and frozen results.

A scheme that has frozen results is in use and is never changed: editing it makes a new
version (see services.editable_scheme); old results keep pointing at the version they used.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.assessment.choices import Grade, GradeMethod, IndicatorKind, Subject
from bangfu.core.models import BaseModel
from bangfu.core.scope import Scope


def measure_choices() -> list[tuple[str, str]]:
    from bangfu.assessment.measures import MEASURES

    return [(m.key, m.label) for m in MEASURES.values()]


class Scheme(BaseModel):
    """The rules one campaign year is assessed by (《专项目标考核办法》), in one version."""

    campaign = models.ForeignKey(
        "campaigns.Campaign",
        verbose_name=_("帮扶行动"),
        on_delete=models.PROTECT,
        related_name="assessment_schemes",
    )
    name = models.CharField(_("考核方案"), max_length=100)
    version = models.PositiveSmallIntegerField(_("版本"), default=1, editable=False)
    previous = models.ForeignKey(
        "self",
        verbose_name=_("上一版本"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    period_start = models.DateField(
        _("考核起始日期"), null=True, blank=True, help_text=_("不填则为行动开始日期。")
    )
    period_end = models.DateField(
        _("考核截止日期"), null=True, blank=True, help_text=_("不填则为行动结束日期。")
    )
    grade_method = models.CharField(
        _("定等方式"), max_length=12, choices=GradeMethod.choices, default=GradeMethod.THRESHOLDS
    )
    excellent_min = models.DecimalField(_("优秀分数线"), max_digits=6, decimal_places=2, default=90)
    good_min = models.DecimalField(_("良好分数线"), max_digits=6, decimal_places=2, default=80)
    pass_min = models.DecimalField(
        _("合格分数线"),
        max_digits=6,
        decimal_places=2,
        default=60,
        help_text=_("按名次比例定等时,低于此分数线的仍为不合格。"),
    )
    excellent_share = models.PositiveSmallIntegerField(
        _("优秀比例(%)"), default=20, validators=[MaxValueValidator(100)]
    )
    good_share = models.PositiveSmallIntegerField(
        _("良好比例(%)"),
        default=30,
        validators=[MaxValueValidator(100)],
        help_text=_("优秀之后的名次中评为良好的比例。"),
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-campaign__year", "name", "-version"]
        verbose_name = _("考核方案")
        verbose_name_plural = pgettext_lazy("plural", "考核方案")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "name", "version"],
                name="scheme_unique_version",
                violation_error_message=_("该行动已有同名同版本的考核方案。"),
            )
        ]

    def __str__(self) -> str:
        return _("{name}(第{version}版)").format(name=self.name, version=self.version)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """The rules are public to everyone who may view them."""
        return Q(pk__in=[]) if scope.nothing else Q()

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not (self.excellent_min >= self.good_min >= self.pass_min):
            errors["good_min"] = _("分数线须满足:优秀 ≥ 良好 ≥ 合格。")
        if self.excellent_share + self.good_share > 100:
            errors["good_share"] = _("优秀和良好的比例合计不能超过100%。")
        if self.period_start and self.period_end and self.period_end < self.period_start:
            errors["period_end"] = _("截止日期不能早于起始日期。")
        if errors:
            raise ValidationError(errors)

    @property
    def in_use(self) -> bool:
        """Frozen results point at this version: it may no longer change."""
        return self.result_sets.exists()

    @property
    def total_weight(self) -> Decimal:
        return sum((i.weight for i in self.indicators.all()), Decimal(0))


class Indicator(BaseModel):
    """One line of a scheme: a measure (or a hand-scored item), its weight and scoring rule.

    Points rise linearly from 0 at `zero_at` to the weight at `target`, then are held between
    `min_points` and `max_points` (default: the weight).
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考核方案"), on_delete=models.CASCADE, related_name="indicators"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("指标"), max_length=100)
    kind = models.CharField(
        _("计分方式"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.MEASURE
    )
    measure = models.CharField(_("计算口径"), max_length=40, choices=measure_choices, blank=True)
    params = models.JSONField(
        _("口径参数"), default=dict, blank=True, help_text=_('例如 {"days": 7}。')
    )
    weight = models.DecimalField(
        _("权重(分值)"),
        max_digits=6,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
    )
    target = models.DecimalField(
        _("满分目标值"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    branch_target = models.DecimalField(
        _("党支部满分目标值"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("考核党支部时的满分目标值(如项目数、资金额);不填则与单位相同。"),
    )
    zero_at = models.DecimalField(
        _("零分值"),
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text=_("等于或低于此值得0分。"),
    )
    max_points = models.DecimalField(
        _("得分上限"),
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("不填则为权重;可高于权重以设加分。"),
    )
    min_points = models.DecimalField(_("得分下限"), max_digits=6, decimal_places=2, default=0)
    description = models.TextField(_("评分说明"), blank=True)

    class Meta:
        ordering = ["scheme", "order", "pk"]
        verbose_name = _("考核指标")
        verbose_name_plural = pgettext_lazy("plural", "考核指标")

    def __str__(self) -> str:
        return self.name

    scope_q = Scheme.scope_q

    def get_absolute_url(self) -> str:
        return self.scheme.get_absolute_url()

    def changelog_parent(self) -> Scheme:
        return self.scheme

    def target_for(self, subject: str) -> Decimal:
        """The value that earns full marks: a branch's own target if set, else the unit's."""
        if subject == "branch" and self.branch_target is not None:
            return self.branch_target
        return self.target

    @property
    def cap(self) -> Decimal:
        return self.weight if self.max_points is None else self.max_points

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.kind == IndicatorKind.MEASURE:
            from bangfu.assessment.measures import MEASURES

            if self.measure not in MEASURES:
                errors["measure"] = _("请选择计算口径。")
            else:
                try:
                    MEASURES[self.measure].check_params(self.params or {})
                except ValueError as e:
                    errors["params"] = str(e)
            if self.target is None:
                errors["target"] = _("请填写满分目标值。")
            elif self.target == self.zero_at:
                errors["target"] = _("满分目标值不能等于零分值。")
            if self.branch_target is not None and self.branch_target == self.zero_at:
                errors["branch_target"] = _("满分目标值不能等于零分值。")
        if self.min_points is not None and self.min_points > self.cap:
            errors["min_points"] = _("得分下限不能高于得分上限。")
        if errors:
            raise ValidationError(errors)


class HandScore(BaseModel):
    """Points the office gives a unit on a hand-scored item, with the reason in a comment."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("考核指标"),
        on_delete=models.CASCADE,
        related_name="hand_scores",
        limit_choices_to={"kind": IndicatorKind.MANUAL},
    )
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=2)
    comment = models.TextField(_("评分理由"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评分人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )

    scope_unit_path = "unit"

    class Meta:
        verbose_name = _("人工评分")
        verbose_name_plural = pgettext_lazy("plural", "人工评分")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit"],
                name="handscore_unique",
                violation_error_message=_("该单位的这一项已评分。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} {self.indicator} {self.points}"

    def get_absolute_url(self) -> str:
        return self.indicator.scheme.get_absolute_url()

    def changelog_parent(self) -> Indicator:
        return self.indicator

    def clean(self) -> None:
        super().clean()
        errors = {}
        if not (self.comment or "").strip():
            errors["comment"] = _("人工评分须写明评分理由。")
        if self.indicator_id and self.indicator.kind != IndicatorKind.MANUAL:
            errors["indicator"] = _("只有人工评分项可以手工打分。")
        if self.indicator_id and self.points is not None:
            low, high = self.indicator.min_points, self.indicator.cap
            if not (low <= self.points <= high):
                errors["points"] = _("得分须在{low}到{high}之间。").format(low=low, high=high)
        if errors:
            raise ValidationError(errors)


class ResultSet(BaseModel):
    """One frozen computation of a scheme version: stored rows that records no longer move.

    Unpublished result sets are the office's working copies; publishing shows them to units
    and leaders within their scope.
    """

    scheme = models.ForeignKey(
        Scheme, verbose_name=_("考核方案"), on_delete=models.PROTECT, related_name="result_sets"
    )
    version = models.PositiveSmallIntegerField(_("结果版本"))
    period_start = models.DateField(_("考核起始日期"))
    period_end = models.DateField(_("考核截止日期"))
    frozen_at = models.DateTimeField(_("冻结时间"), auto_now_add=True)
    frozen_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("冻结人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    note = models.CharField(_("备注"), max_length=200, blank=True)

    class Meta:
        ordering = ["-frozen_at", "-pk"]
        verbose_name = _("考核结果")
        verbose_name_plural = pgettext_lazy("plural", "考核结果")
        permissions = [("publish_resultset", _("冻结和发布考核结果"))]
        constraints = [
            models.UniqueConstraint(
                fields=["scheme", "version"],
                name="resultset_unique_version",
                violation_error_message=_("该方案已有这一版本的结果。"),
            )
        ]

    def __str__(self) -> str:
        return _("{scheme} 结果第{version}版").format(scheme=self.scheme, version=self.version)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """Unpublished results are the office's alone; published ones are public to viewers."""
        if scope.everything:
            return Q()
        if scope.nothing:
            return Q(pk__in=[])
        return Q(published_at__isnull=False)

    def get_absolute_url(self) -> str:
        return reverse("assessment:resultset_detail", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None


class AssessmentResult(BaseModel):
    """A unit's or a branch's score, grade and rank in one frozen result set."""

    result_set = models.ForeignKey(
        ResultSet, verbose_name=_("考核结果"), on_delete=models.CASCADE, related_name="results"
    )
    subject = models.CharField(_("考核对象"), max_length=10, choices=Subject.choices)
    unit = models.ForeignKey(
        "orgs.Unit", verbose_name=_("单位"), on_delete=models.PROTECT, related_name="+"
    )
    branch = models.ForeignKey(
        "orgs.Branch",
        verbose_name=_("党支部"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    score = models.DecimalField(_("得分"), max_digits=7, decimal_places=2)
    grade = models.CharField(_("等次"), max_length=10, choices=Grade.choices)
    rank = models.PositiveIntegerField(_("名次"))

    class Meta:
        ordering = ["result_set", "subject", "rank", "pk"]
        verbose_name = _("考核得分")
        verbose_name_plural = pgettext_lazy("plural", "考核得分")
        indexes = [models.Index(fields=["result_set", "subject", "rank"], name="result_rank")]

    def __str__(self) -> str:
        who = self.branch if self.branch_id else self.unit
        return f"{who} {self.score}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        """A result is seen where its unit (or branch) is, once published; the office sees all."""
        from bangfu.orgs.models import Branch, Unit

        if scope.everything:
            return Q()
        if scope.nothing:
            return Q(pk__in=[])
        units = Unit.objects.filter(Unit.scope_q(scope)).values("pk")
        branches = Branch.objects.filter(Branch.scope_q(scope)).values("pk")
        reach = Q(subject=Subject.UNIT, unit__in=units) | Q(
            subject=Subject.BRANCH, branch__in=branches
        )
        return reach & Q(result_set__published_at__isnull=False)

    def get_absolute_url(self) -> str:
        return reverse("assessment:result_detail", args=[self.pk])

    @property
    def subject_name(self) -> str:
        if self.branch_id:
            return f"{self.unit.short_name or self.unit.name} {self.branch.name}"
        return self.unit.name


class IndicatorScore(BaseModel):
    """One indicator's value and points in a frozen result, as they were at freezing."""

    result = models.ForeignKey(
        AssessmentResult,
        verbose_name=_("考核得分"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("考核指标"), on_delete=models.PROTECT, related_name="+"
    )
    value = models.DecimalField(_("指标值"), max_digits=16, decimal_places=4, null=True)
    points = models.DecimalField(_("得分"), max_digits=7, decimal_places=2, null=True)
    comment = models.TextField(_("评分理由"), blank=True)

    class Meta:
        ordering = ["result", "indicator__order", "indicator_id"]
        verbose_name = _("指标得分")
        verbose_name_plural = pgettext_lazy("plural", "指标得分")
        constraints = [
            models.UniqueConstraint(
                fields=["result", "indicator"],
                name="indicatorscore_unique",
                violation_error_message=_("该指标已有得分。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator} {self.points}"

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(result__in=AssessmentResult.objects.filter(AssessmentResult.scope_q(scope)))

    def get_absolute_url(self) -> str:
        return self.result.get_absolute_url()

    def changelog_parent(self) -> AssessmentResult:
        return self.result
