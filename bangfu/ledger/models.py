"""The work ledger (台账): activities, problems and projects, each recorded once."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.core.models import BaseModel
from bangfu.geo.choices import Level
from bangfu.geo.models import InVillage
from bangfu.ledger.choices import (
    ActivityKind,
    FundSource,
    ProblemCategory,
    ProblemState,
    ProjectOrigin,
    ProjectSector,
    ProjectState,
    ReviewState,
)


class LedgerModel(InVillage, BaseModel):
    """Ledger records happen in a village and belong to a unit (and usually a branch)."""

    campaign = models.ForeignKey(
        "campaigns.Campaign", verbose_name=_("帮扶行动"), on_delete=models.PROTECT, related_name="+"
    )
    village = models.ForeignKey(
        "geo.Region",
        verbose_name=_("村"),
        on_delete=models.PROTECT,
        related_name="+",
        limit_choices_to={"level": Level.VILLAGE},
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
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

    scope_region_path = "village__code"
    scope_unit_path = "unit"
    scope_branch_path = "branch"
    # An entry with a branch belongs to the branch's unit, kept by the database (core.derived).
    copied_from = {**InVillage.copied_from, "unit": "branch.unit"}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.branch_id and not self.unit_id:
            self.unit_id = self.branch.unit_id
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.branch_id and self.unit_id and self.branch.unit_id != self.unit_id:
            raise ValidationError({"branch": _("党支部不属于所选单位。")})


class Activity(LedgerModel):
    """One entry of the ledger: a visit, a stay, a service, support given or funds brought in.

    `quantity` is the number of items for policy supports and development ideas, and the
    number of persons served for technical services; `amount` is yuan for funds brought in.
    Each participant counts as one person-visit.
    """

    kind = models.CharField(
        _("帮扶类型"), max_length=20, choices=ActivityKind.choices, db_index=True
    )
    date = models.DateField(_("日期"), db_index=True)
    pairing = models.ForeignKey(
        "campaigns.Pairing",
        verbose_name=_("结对"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="activities",
    )
    households = models.ManyToManyField(
        "registry.Household", verbose_name=_("涉及贫困户"), blank=True, related_name="activities"
    )
    participants = models.ManyToManyField(
        "orgs.Member",
        verbose_name=_("参加人员"),
        through="ActivityParticipant",
        related_name="activities",
    )
    summary = models.TextField(_("工作内容"))
    days = models.PositiveSmallIntegerField(_("天数"), default=0)
    quantity = models.PositiveIntegerField(
        _("数量"), default=0, help_text=_("政策信息条数、服务人次或思路条数。")
    )
    amount = models.DecimalField(
        _("金额(元)"),
        max_digits=14,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    fund_source = models.CharField(
        _("资金来源"), max_length=12, choices=FundSource.choices, blank=True
    )
    state = models.CharField(
        _("审核状态"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.SUBMITTED,
        db_index=True,
    )
    return_reason = models.CharField(_("退回原因"), max_length=200, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("填报人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("帮扶活动")
        verbose_name_plural = pgettext_lazy("plural", "帮扶活动")
        indexes = [models.Index(fields=["campaign", "kind", "state"], name="activity_figures")]
        permissions = [("review_activity", _("审核台账"))]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.village}"

    @classmethod
    def edit_q(cls, user: Any) -> Q:
        """Members change only their own entries, and only until the committee accepts them."""
        from bangfu.accounts.choices import Role

        if user.is_superuser or user.role != Role.MEMBER:
            return Q()
        own = Q(author=user)
        if user.member_id:
            own |= Q(
                pk__in=ActivityParticipant.objects.filter(member_id=user.member_id).values(
                    "activity_id"
                )
            )
        return own & ~Q(state=ReviewState.ACCEPTED)

    @staticmethod
    def of_pairing_q(pairing: Any) -> Q:
        """A pairing's entries: those linked to it and, for a secretary's 帮户 pairing, every
        entry for its household within its term (entries are linked to village pairings)."""
        q = Q(pairing_id=pairing.pk)
        if pairing.household_id:
            term = Q(households=pairing.household_id, date__gte=pairing.start)
            if pairing.end is not None:
                term &= Q(date__lte=pairing.end)
            q |= Q(pk__in=Activity.objects.filter(term).values("pk"))
        return q

    def clean(self) -> None:
        """The entry rules (ledger.rules), for the form and the API."""
        from bangfu.ledger import rules

        super().clean()
        problems = rules.entry_problems(self)
        if problems:
            raise ValidationError(dict(problems))


class ActivityParticipant(BaseModel):
    """A member taking part in an activity: one person-visit (人次)."""

    activity = models.ForeignKey(
        Activity,
        verbose_name=_("帮扶活动"),
        on_delete=models.CASCADE,
        related_name="participations",
    )
    member = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("参加人员"),
        on_delete=models.PROTECT,
        related_name="participations",
    )

    scope_region_path = "activity__village__code"
    scope_unit_path = "activity__unit"
    scope_branch_path = "activity__branch"

    class Meta:
        verbose_name = _("参加人员")
        verbose_name_plural = pgettext_lazy("plural", "参加人员")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "member"],
                name="activityparticipant_unique",
                violation_error_message=_("该人员已在参加人员中。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.activity}"

    def changelog_parent(self) -> Activity:
        return self.activity


def photo_path(photo: ActivityPhoto, filename: str) -> str:
    """Photos live under the media folder by month; the name is random, never the user's."""
    import uuid

    today = datetime.date.today()
    return f"ledger/photos/{today:%Y/%m}/{uuid.uuid4().hex}.jpg"


def thumbnail_path(photo: ActivityPhoto, filename: str) -> str:
    return photo_path(photo, filename).replace(".jpg", "_thumb.jpg")


class ActivityPhoto(BaseModel):
    """A photo taken at an activity, stored re-encoded as JPEG, with a thumbnail."""

    activity = models.ForeignKey(
        Activity, verbose_name=_("帮扶活动"), on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(_("照片"), upload_to=photo_path)
    thumbnail = models.ImageField(_("缩略图"), upload_to=thumbnail_path)
    width = models.PositiveIntegerField(_("宽度"), default=0)
    height = models.PositiveIntegerField(_("高度"), default=0)

    scope_region_path = "activity__village__code"
    scope_unit_path = "activity__unit"
    scope_branch_path = "activity__branch"

    class Meta:
        ordering = ["pk"]
        verbose_name = _("活动照片")
        verbose_name_plural = pgettext_lazy("plural", "活动照片")

    def __str__(self) -> str:
        return _("{activity}的照片").format(activity=self.activity)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("ledger:activityphoto_file", args=[self.pk, "full"])

    def changelog_parent(self) -> Activity:
        return self.activity


class Problem(LedgerModel):
    """A problem raised in a village or household (问题清单), followed until it is verified solved."""

    household = models.ForeignKey(
        "registry.Household",
        verbose_name=_("贫困户"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
    )
    category = models.CharField(_("问题类别"), max_length=20, choices=ProblemCategory.choices)
    title = models.CharField(_("问题"), max_length=200)
    description = models.TextField(_("问题描述"), blank=True)
    owner = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("责任人"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="problems",
    )
    raised_on = models.DateField(_("提出日期"))
    deadline = models.DateField(_("完成时限"), null=True, blank=True)
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=ProblemState.choices,
        default=ProblemState.OPEN,
        db_index=True,
    )
    solved_on = models.DateField(_("解决日期"), null=True, blank=True)
    activities = models.ManyToManyField(
        Activity, verbose_name=_("相关活动"), blank=True, related_name="problems"
    )

    class Meta:
        ordering = ["-raised_on", "-pk"]
        verbose_name = _("问题")
        verbose_name_plural = pgettext_lazy("plural", "问题")
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["solved", "verified"]) | Q(solved_on__isnull=False),
                name="problem_solved_has_date",
                violation_error_message=_("已解决的问题须填写解决日期。"),
            )
        ]

    def __str__(self) -> str:
        return self.title

    @staticmethod
    def overdue_q(today: datetime.date | None = None) -> Q:
        """Problems past their deadline and not yet solved."""
        return Q(
            deadline__lt=today or datetime.date.today(),
            state__in=[ProblemState.OPEN, ProblemState.IN_PROGRESS],
        )

    @property
    def is_overdue(self) -> bool:
        return bool(
            self.deadline
            and self.deadline < datetime.date.today()
            and self.state in (ProblemState.OPEN, ProblemState.IN_PROGRESS)
        )

    def clean(self) -> None:
        super().clean()
        errors = {}
        if self.household_id and self.village_id and self.household.village_id != self.village_id:
            errors["household"] = _("贫困户不在所选的村。")
        if self.owner_id and self.unit_id and self.owner.branch.unit_id != self.unit_id:
            errors["owner"] = _("责任人须是本单位的党员干部。")
        if self.deadline and self.raised_on and self.deadline < self.raised_on:
            errors["deadline"] = _("完成时限不能早于提出日期。")
        if errors:
            raise ValidationError(errors)


class Project(LedgerModel):
    """A project planned, introduced or generated (谋划、引进和生成) for a village."""

    name = models.CharField(_("项目名称"), max_length=200)
    date = models.DateField(_("登记日期"), db_index=True)
    origin = models.CharField(_("项目来源"), max_length=12, choices=ProjectOrigin.choices)
    sector = models.CharField(_("产业领域"), max_length=20, choices=ProjectSector.choices)
    state = models.CharField(
        _("状态"), max_length=12, choices=ProjectState.choices, default=ProjectState.PLANNED
    )
    start = models.DateField(_("开始日期"), null=True, blank=True)
    beneficiaries = models.ManyToManyField(
        "registry.Household", verbose_name=_("受益贫困户"), blank=True, related_name="projects"
    )
    description = models.TextField(_("项目内容"), blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("项目")
        verbose_name_plural = pgettext_lazy("plural", "项目")

    def __str__(self) -> str:
        return self.name


class ProjectMilestone(BaseModel):
    """A step in a project's plan: due by a date, done on a date."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="milestones"
    )
    title = models.CharField(_("节点"), max_length=100)
    due = models.DateField(_("计划完成日期"))
    done_on = models.DateField(_("实际完成日期"), null=True, blank=True)

    scope_region_path = "project__village__code"
    scope_unit_path = "project__unit"
    scope_branch_path = "project__branch"

    class Meta:
        ordering = ["due", "pk"]
        verbose_name = _("项目节点")
        verbose_name_plural = pgettext_lazy("plural", "项目节点")

    def __str__(self) -> str:
        return f"{self.project} · {self.title}"

    @property
    def is_overdue(self) -> bool:
        return self.done_on is None and self.due < datetime.date.today()

    def changelog_parent(self) -> Project:
        return self.project


class ProjectFunding(BaseModel):
    """Funds committed to a project by one source."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="fundings"
    )
    source = models.CharField(_("资金来源"), max_length=12, choices=FundSource.choices)
    amount = models.DecimalField(
        _("金额(元)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )

    scope_region_path = "project__village__code"
    scope_unit_path = "project__unit"
    scope_branch_path = "project__branch"

    class Meta:
        verbose_name = _("项目资金")
        verbose_name_plural = pgettext_lazy("plural", "项目资金")

    def __str__(self) -> str:
        return f"{self.project} {self.get_source_display()} {self.amount}"

    def changelog_parent(self) -> Project:
        return self.project
