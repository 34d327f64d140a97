"""Organisations: provincial units, their party branches, members and resident teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.campaigns.choices import PairingState
from bangfu.core.models import BaseModel
from bangfu.core.scope import Scope
from bangfu.geo.choices import Level
from bangfu.orgs.choices import CadreRank, Sex, Specialty


def _units_working_in(prefix: str) -> models.QuerySet:
    from bangfu.campaigns.models import Pairing

    # Only approved pairings open a unit to a village's team: a claim is not a pairing yet.
    return Pairing.objects.filter(
        village__code__startswith=prefix, state=PairingState.APPROVED
    ).values("branch__unit_id")


class Unit(BaseModel):
    """A provincial unit (省直单位) taking part in the campaign, led by its party committee."""

    name = models.CharField(_("单位名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    sends_professionals = models.BooleanField(_("选派专业人才"), default=False)
    seat = models.ForeignKey(
        "geo.Region",
        verbose_name=_("驻地"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("单位所在地,用于估算到村的路程。"),
    )
    committee_contact = models.CharField(_("机关党委联系人"), max_length=50, blank=True)
    committee_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    scope_unit_path = "pk"

    class Meta:
        ordering = ["name"]
        verbose_name = _("单位")
        verbose_name_plural = pgettext_lazy("plural", "单位")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def search(cls, queryset: models.QuerySet, text: str) -> list[tuple[str, str]]:
        """Units matching a name or short name, as (id, name) for a search box."""
        if text:
            queryset = queryset.filter(Q(name__contains=text) | Q(short_name__contains=text))
        return [(str(pk), name) for pk, name in queryset.values_list("pk", "name")[:20]]

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.region_prefix is not None:
            return Q(pk__in=_units_working_in(scope.region_prefix))
        return super().scope_q(scope)


class Branch(BaseModel):
    """A party branch (党支部) of a unit; it pairs with villages and its secretary with households."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("单位"), on_delete=models.PROTECT, related_name="branches"
    )
    name = models.CharField(_("支部名称"), max_length=100)
    capacity = models.PositiveSmallIntegerField(
        _("可结对村数"), default=1, help_text=_("本支部最多结对帮扶的村数。")
    )

    scope_unit_path = "unit"
    scope_branch_path = "pk"

    class Meta:
        ordering = ["unit__name", "pk"]  # creation order keeps 第一, 第二 … in sequence
        verbose_name = _("党支部")
        verbose_name_plural = pgettext_lazy("plural", "党支部")
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "name"],
                name="branch_unique_name",
                violation_error_message=_("本单位已有同名支部。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit.short_name or self.unit.name} {self.name}"

    @classmethod
    def for_choices(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("unit")

    @property
    def secretary(self) -> Member | None:
        return self.members.filter(is_secretary=True).first()

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.region_prefix is not None:
            from bangfu.campaigns.models import Pairing

            return Q(
                pk__in=Pairing.objects.filter(
                    village__code__startswith=scope.region_prefix, state=PairingState.APPROVED
                ).values("branch_id")
            )
        return super().scope_q(scope)


class Member(BaseModel):
    """A cadre or party member of a branch, with what they can do in the campaign."""

    branch = models.ForeignKey(
        Branch, verbose_name=_("党支部"), on_delete=models.PROTECT, related_name="members"
    )
    name = models.CharField(_("姓名"), max_length=50)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    position = models.CharField(_("职务"), max_length=50, blank=True)
    is_party_member = models.BooleanField(_("党员"), default=True)
    is_secretary = models.BooleanField(_("支部书记"), default=False)
    is_leading_cadre = models.BooleanField(_("领导干部"), default=False)
    cadre_rank = models.CharField(_("职级"), max_length=20, choices=CadreRank.choices, blank=True)
    is_professional = models.BooleanField(_("专业人才"), default=False)
    specialty = models.CharField(_("专业"), max_length=20, choices=Specialty.choices, blank=True)

    personal_fields = ("phone",)
    scope_unit_path = "branch__unit"
    scope_branch_path = "branch"

    class Meta:
        ordering = ["branch__unit__name", "branch", "-is_secretary", "name"]
        verbose_name = _("党员干部")
        verbose_name_plural = pgettext_lazy("plural", "党员干部")
        constraints = [
            models.UniqueConstraint(
                fields=["branch"],
                condition=Q(is_secretary=True),
                name="member_one_secretary_per_branch",
                violation_error_message=_("每个支部只能有一名支部书记。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def unit(self) -> Unit:
        return self.branch.unit

    @classmethod
    def for_choices(cls, queryset: models.QuerySet) -> models.QuerySet:
        return queryset.select_related("branch__unit")

    @classmethod
    def search(cls, queryset: models.QuerySet, text: str) -> list[tuple[str, str]]:
        """Members matching a name, as (id, label with branch) for a search box."""
        qs = queryset.filter(name__contains=text) if text else queryset
        qs = qs.select_related("branch__unit")[:20]
        return [(str(m.pk), f"{m.name} · {m.branch}") for m in qs]

    def clean(self) -> None:
        errors = {}
        if self.is_leading_cadre and not self.cadre_rank:
            errors["cadre_rank"] = _("领导干部须填写职级。")
        if not self.is_leading_cadre and self.cadre_rank:
            errors["cadre_rank"] = _("只有领导干部填写职级。")
        if self.is_professional and not self.specialty:
            errors["specialty"] = _("专业人才须填写专业。")
        if not self.is_professional and self.specialty:
            errors["specialty"] = _("只有专业人才填写专业。")
        if errors:
            raise ValidationError(errors)

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.region_prefix is not None:
            return Q(branch__in=Branch.objects.filter(Branch.scope_q(scope)))
        return super().scope_q(scope)


class ResidentTeam(BaseModel):
    """A village-resident work team (驻村工作队) a unit sends to a village, with a first secretary."""

    unit = models.ForeignKey(
        Unit, verbose_name=_("派出单位"), on_delete=models.PROTECT, related_name="resident_teams"
    )
    village = models.ForeignKey(
        "geo.Region",
        verbose_name=_("驻村"),
        on_delete=models.PROTECT,
        related_name="resident_teams",
        limit_choices_to={"level": Level.VILLAGE},
    )
    first_secretary = models.ForeignKey(
        Member,
        verbose_name=_("第一书记"),
        on_delete=models.PROTECT,
        related_name="first_secretary_of",
    )
    members = models.ManyToManyField(
        Member, verbose_name=_("队员"), related_name="resident_teams", blank=True
    )
    start = models.DateField(_("开始日期"))
    end = models.DateField(_("结束日期"), null=True, blank=True)

    scope_region_path = "village__code"
    scope_unit_path = "unit"

    class Meta:
        ordering = ["-start"]
        verbose_name = _("驻村工作队")
        verbose_name_plural = pgettext_lazy("plural", "驻村工作队")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__isnull=True) | Q(end__gte=models.F("start")),
                name="residentteam_end_after_start",
                violation_error_message=_("结束日期不能早于开始日期。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.unit} → {self.village}"

    def clean(self) -> None:
        if (
            self.first_secretary_id
            and self.unit_id
            and self.first_secretary.unit.pk != self.unit_id
        ):
            raise ValidationError({"first_secretary": _("第一书记须是派出单位的干部。")})
