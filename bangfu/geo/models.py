"""Regions: the statistical division tree (province → village) and villages' yearly facts."""

from __future__ import annotations

from decimal import Decimal

from django.apps import apps
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.core.models import BaseModel
from bangfu.core.scope import CODE_PREFIX_LENGTH, Scope
from bangfu.geo.choices import Level

code_validator = RegexValidator(r"^\d{12}$", _("区划代码应为12位数字。"))


def unit_village_ids(unit_id: int) -> models.QuerySet:
    """Villages a unit works in: paired with one of its branches or home to its resident team."""
    pairing = apps.get_model("campaigns", "Pairing")
    team = apps.get_model("orgs", "ResidentTeam")
    return Region.objects.filter(
        # A claim waiting for approval, or rejected, gives no reach into the village.
        Q(
            pk__in=pairing.objects.filter(branch__unit_id=unit_id, state="approved").values(
                "village_id"
            )
        )
        | Q(pk__in=team.objects.filter(unit_id=unit_id).values("village_id"))
    ).values("pk")


def branch_village_ids(branch_id: int) -> models.QuerySet:
    pairing = apps.get_model("campaigns", "Pairing")
    return pairing.objects.filter(branch_id=branch_id, state="approved").values("village_id")


class Region(BaseModel):
    """A division: province, prefecture, county, township or village, by its 12-digit code."""

    code = models.CharField(_("区划代码"), max_length=12, unique=True, validators=[code_validator])
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("级别"), max_length=12, choices=Level.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级区划"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
    longitude = models.DecimalField(
        _("经度"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    latitude = models.DecimalField(_("纬度"), max_digits=9, decimal_places=6, null=True, blank=True)

    scope_region_path = "code"
    # Kept by the database (core.derived), whatever writes the code.
    copied_from = {"county_code": "code[:6]"}
    # Division names and codes are public statistics: anyone may search them (e.g. to claim).
    public_search = True

    class Meta:
        ordering = ["code"]
        verbose_name = _("行政区划")
        verbose_name_plural = pgettext_lazy("plural", "行政区划")

    def __str__(self) -> str:
        return self.name

    def save(self, *args, **kwargs) -> None:
        self.county_code = self.code[:6]
        super().save(*args, **kwargs)

    @property
    def prefix(self) -> str:
        """The code prefix every region below this one shares."""
        return self.code[: CODE_PREFIX_LENGTH[self.level]]

    def full_name(self) -> str:
        """Names from the prefecture down, e.g. 铜仁市石阡县枫香乡地古屯村."""
        names, node = [], self
        while node is not None and node.level != Level.PROVINCE:
            names.append(node.name)
            node = node.parent
        return "".join(reversed(names))

    @classmethod
    def search(cls, queryset: models.QuerySet, text: str) -> list[tuple[str, str]]:
        """Villages matching a name or code, as (code, label) for a search box."""
        qs = queryset.filter(level=Level.VILLAGE)
        if text.isdigit():
            qs = qs.filter(code__startswith=text)
        elif text:
            qs = qs.filter(name__contains=text)
        qs = qs.select_related("parent__parent__parent")[:20]
        return [(r.code, f"{r.name} · {r.parent.parent.name}{r.parent.name}") for r in qs]

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        if scope.branch_id is not None:
            return Q(pk__in=branch_village_ids(scope.branch_id))
        if scope.unit_id is not None:
            return Q(pk__in=unit_village_ids(scope.unit_id))
        return Q(pk__in=[])


class InVillage(models.Model):
    """A record kept in a village: it carries the village's county code (the shard key a
    national deployment splits on) and refuses a region that is not a village.

    Subclasses declare `village` (a FK to Region) and `county_code` themselves; the database
    keeps the code equal to the village's (core.derived), `save()` only fills it in early.
    """

    copied_from = {"county_code": "village.county_code"}

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if self.village_id:
            self.county_code = self.village.code[:6]
        super().save(*args, **kwargs)

    def clean(self) -> None:
        super().clean()
        if self.village_id and self.village.level != Level.VILLAGE:
            raise ValidationError({"village": _("请选择一个村。")})


class VillageYear(BaseModel):
    """A village's poverty facts for one year (建档立卡村情)."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("村"),
        on_delete=models.PROTECT,
        related_name="years",
        limit_choices_to={"level": Level.VILLAGE},
    )
    year = models.PositiveSmallIntegerField(
        _("年度"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    is_poor = models.BooleanField(_("贫困村"), default=False)
    households = models.PositiveIntegerField(_("总户数"), default=0)
    population = models.PositiveIntegerField(_("总人口"), default=0)
    poor_households = models.PositiveIntegerField(_("贫困户数"), default=0)
    poor_population = models.PositiveIntegerField(_("贫困人口"), default=0)
    collective_income = models.DecimalField(
        _("村集体经济收入(元)"), max_digits=14, decimal_places=2, default=Decimal("0")
    )
    has_road = models.BooleanField(_("通组硬化路"), default=False)
    has_water = models.BooleanField(_("安全饮水"), default=False)
    has_power = models.BooleanField(_("通动力电"), default=False)
    has_broadband = models.BooleanField(_("通宽带"), default=False)
    has_clinic = models.BooleanField(_("标准化卫生室"), default=False)
    has_activity_room = models.BooleanField(_("村级活动场所"), default=False)

    scope_region_path = "village__code"

    class Meta:
        ordering = ["village__code", "-year"]
        verbose_name = _("村年度情况")
        verbose_name_plural = pgettext_lazy("plural", "村年度情况")
        constraints = [
            models.UniqueConstraint(
                fields=["village", "year"],
                name="villageyear_unique",
                violation_error_message=_("该村该年度的情况已登记。"),
            ),
            models.CheckConstraint(
                condition=Q(poor_population__lte=models.F("population")),
                name="villageyear_poor_le_population",
                violation_error_message=_("贫困人口不能多于总人口。"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.village} {self.year}"

    @property
    def incidence(self) -> Decimal | None:
        """Poverty incidence (贫困发生率) in percent, from poor population over population."""
        if not self.population:
            return None
        return (Decimal(self.poor_population) * 100 / self.population).quantize(Decimal("0.01"))

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        return Q(village__in=Region.objects.filter(Region.scope_q(scope)))
