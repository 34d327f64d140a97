"""The registry (建档立卡): poor households, their people and income."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.core.models import BaseModel
from bangfu.core.scope import Scope
from bangfu.geo.choices import Level
from bangfu.geo.models import InVillage, Region
from bangfu.orgs.choices import Sex
from bangfu.registry import idnumber, rules
from bangfu.registry.choices import (
    Disability,
    Education,
    FactSource,
    Health,
    HouseholdAttribute,
    HouseholdStatus,
    HousingSafety,
    LabourAbility,
    LabourFact,
    PoorWhen,
    PovertyCause,
    Relation,
    Schooling,
    SchoolingFact,
)


class Household(InVillage, BaseModel):
    """A registered poor household (建档立卡贫困户) in a village."""

    village = models.ForeignKey(
        Region,
        verbose_name=_("所在村"),
        on_delete=models.PROTECT,
        related_name="households",
        limit_choices_to={"level": Level.VILLAGE},
    )
    county_code = models.CharField(_("县级代码"), max_length=6, editable=False)
    number = models.CharField(_("户编号"), max_length=30, unique=True)
    head_name = models.CharField(_("户主姓名"), max_length=50, blank=True, editable=False)
    attribute = models.CharField(_("贫困户属性"), max_length=10, choices=HouseholdAttribute.choices)
    identified_year = models.PositiveSmallIntegerField(_("识别年度"))
    main_cause = models.CharField(_("主要致贫原因"), max_length=20, choices=PovertyCause.choices)
    other_causes = models.JSONField(_("其他致贫原因"), default=list, blank=True)
    housing = models.CharField(
        _("住房安全"), max_length=10, choices=HousingSafety.choices, default=HousingSafety.SAFE
    )
    housing_area = models.DecimalField(
        _("住房面积(平方米)"),
        max_digits=8,
        decimal_places=1,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    arable_land = models.DecimalField(
        _("耕地面积(亩)"),
        max_digits=8,
        decimal_places=2,
        default=Decimal("0"),
        validators=[MinValueValidator(0)],
    )
    phone = models.CharField(_("联系电话"), max_length=20, blank=True)
    bank_account = models.CharField(_("银行账号"), max_length=30, blank=True)
    food_ok = models.BooleanField(_("不愁吃"), default=False)
    clothing_ok = models.BooleanField(_("不愁穿"), default=False)
    education_ok = models.BooleanField(_("义务教育有保障"), default=False)
    medical_ok = models.BooleanField(_("基本医疗有保障"), default=False)
    housing_ok = models.BooleanField(_("住房安全有保障"), default=False)
    water_ok = models.BooleanField(_("饮水安全有保障"), default=False)
    status = models.CharField(
        _("脱贫状态"),
        max_length=10,
        choices=HouseholdStatus.choices,
        default=HouseholdStatus.POOR,
    )
    exit_year = models.PositiveSmallIntegerField(_("脱贫年度"), null=True, blank=True)

    personal_fields = ("phone", "bank_account")
    scope_region_path = "village__code"

    class Meta:
        ordering = ["number"]
        verbose_name = _("贫困户")
        verbose_name_plural = pgettext_lazy("plural", "贫困户")
        permissions = [("view_personal_data", _("查看个人敏感信息"))]
        # Plain indexes, declared here rather than with db_index: on PostgreSQL db_index on a
        # text column adds a second (LIKE) index, which these columns never need and which a
        # million-row import would pay for on every row.
        indexes = [
            models.Index(fields=["county_code"], name="household_county"),
            models.Index(fields=["status"], name="household_status"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=rules.LIFTED_HAS_EXIT_YEAR,
                name="household_lifted_has_exit_year",
                violation_error_message=rules.LIFTED_NEEDS_EXIT_YEAR,
            )
        ]

    def __str__(self) -> str:
        if not self.head_name:
            return self.number
        return _("{head}户 ({number})").format(head=self.head_name, number=self.number)

    def get_other_causes_display(self) -> str:
        return "、".join(str(PovertyCause(c).label) for c in self.other_causes or [])

    @classmethod
    def search(cls, queryset: models.QuerySet, text: str) -> list[tuple[str, str]]:
        """Households matching a number or head's name, as (number, label)."""
        if text.isdigit():
            qs = queryset.filter(number__startswith=text)
        else:
            qs = queryset.filter(head_name__contains=text) if text else queryset
        qs = qs.select_related("village")[:20]
        return [(h.number, f"{h.head_name}户 · {h.village.name}") for h in qs]

    def clean(self) -> None:
        super().clean()
        invalid = [c for c in self.other_causes or [] if c not in PovertyCause.values]
        if invalid:
            raise ValidationError(
                {"other_causes": _("未知的致贫原因:{v}").format(v=", ".join(invalid))}
            )

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        from bangfu.campaigns.models import Pairing

        helped = Pairing.objects.filter(household__isnull=False)
        if scope.branch_id is not None:
            helped = helped.filter(branch_id=scope.branch_id)
        else:
            helped = helped.filter(branch__unit_id=scope.unit_id)
        return Q(village__in=Region.objects.filter(Region.scope_q(scope))) | Q(
            pk__in=helped.values("household_id")
        )


class HouseholdIncome(BaseModel):
    """A household's income by source for one year (yuan)."""

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.CASCADE, related_name="incomes"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    wage_income = models.DecimalField(_("工资性收入"), max_digits=12, decimal_places=2, default=0)
    production_income = models.DecimalField(
        _("生产经营性收入"), max_digits=12, decimal_places=2, default=0
    )
    property_income = models.DecimalField(
        _("财产性收入"), max_digits=12, decimal_places=2, default=0
    )
    transfer_income = models.DecimalField(
        _("转移性收入"), max_digits=12, decimal_places=2, default=0
    )
    # A registry file gives net income per head, not by source: kept here whole, so the year's
    # total is the file's figure and no source is made up.
    unsourced_income = models.DecimalField(
        _("未分来源的纯收入"),
        max_digits=12,
        decimal_places=2,
        default=0,
        help_text=_("导入建档立卡表的人均纯收入时,人均纯收入乘以人口数、减去已登记的分项收入。"),
    )

    scope_region_path = "household__village__code"

    class Meta:
        ordering = ["household", "-year"]
        verbose_name = _("家庭收入")
        verbose_name_plural = pgettext_lazy("plural", "家庭收入")
        constraints = [
            models.UniqueConstraint(
                fields=["household", "year"],
                name="householdincome_unique",
                violation_error_message=_("该户该年度的收入已登记。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.household} {self.year}"

    @property
    def total(self) -> Decimal:
        return (
            self.wage_income
            + self.production_income
            + self.property_income
            + self.transfer_income
            + self.unsourced_income
        )

    def changelog_parent(self) -> Household:
        return self.household

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(household__in=Household.objects.filter(Household.scope_q(scope)))


def already_registered(other: Person, user: Any) -> str:
    """Say where an ID number is already registered, naming the household only within scope
    (no user: a command or the system itself, which sees everything)."""
    return where_registered([other], user)[other.pk]


def where_registered(others: Sequence[Person], user: Any) -> dict[int, str]:
    """`already_registered` for many people (their households selected with them) at once:
    one scope query per 10,000 households, not one per person. Person pk → message."""
    households = list({o.household_id for o in others})
    if user is None:
        visible = set(households)
    else:
        visible = set()
        for start in range(0, len(households), 10000):
            visible.update(
                Household.objects.restrict(user, "view")
                .filter(pk__in=households[start : start + 10000])
                .values_list("pk", flat=True)
            )
    named = _("该身份证号码已登记在{household}。")
    elsewhere = _("该身份证号码已登记在其他村的贫困户中,请核实。")
    return {
        o.pk: named.format(household=o.household.number) if o.household_id in visible else elsewhere
        for o in others
    }


class Person(BaseModel):
    """A member of a registered household, with the facts the registry keeps about them."""

    household = models.ForeignKey(
        Household, verbose_name=_("所属户"), on_delete=models.PROTECT, related_name="people"
    )
    county_code = models.CharField(_("县级代码"), max_length=6, editable=False)
    name = models.CharField(_("姓名"), max_length=50)
    id_number = models.CharField(_("身份证号码"), max_length=18, blank=True)
    relation = models.CharField(_("与户主关系"), max_length=20, choices=Relation.choices)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    health = models.CharField(
        _("健康状况"), max_length=10, choices=Health.choices, default=Health.HEALTHY
    )
    disability = models.CharField(
        _("残疾等级"), max_length=1, choices=Disability.choices, blank=True, default=""
    )
    education = models.CharField(
        _("文化程度"), max_length=12, choices=Education.choices, blank=True
    )
    schooling = models.CharField(
        _("在校生状况"), max_length=12, choices=Schooling.choices, blank=True, default=""
    )
    labour_ability = models.CharField(
        _("劳动能力"), max_length=10, choices=LabourAbility.choices, default=LabourAbility.ORDINARY
    )
    migrant_work = models.BooleanField(_("外出务工"), default=False)
    migrant_months = models.PositiveSmallIntegerField(_("务工时间(月)"), default=0)
    medical_insurance = models.BooleanField(_("参加城乡居民基本医疗保险"), default=False)
    pension_insurance = models.BooleanField(_("参加城乡居民基本养老保险"), default=False)
    serious_illness_insurance = models.BooleanField(_("参加大病保险"), default=False)

    # The birth date is the eight digits an ID number's mask hides: masked with it.
    personal_fields = ("id_number", "birth_date")
    scope_region_path = "household__village__code"
    copied_from = {"county_code": "household.county_code"}  # kept by the database (core.derived)

    class Meta:
        ordering = ["household", "pk"]
        verbose_name = _("家庭成员")
        verbose_name_plural = pgettext_lazy("plural", "家庭成员")
        indexes = [  # plain, without PostgreSQL's LIKE twins (see Household)
            models.Index(fields=["county_code"], name="person_county"),
            models.Index(fields=["id_number"], name="person_id_number"),
        ]

    def __str__(self) -> str:
        return self.name

    # Who is checking (set by forms and imports), so messages name only what they may see.
    _checked_by: Any = None

    def changelog_parent(self) -> Household:
        return self.household

    def clean(self) -> None:
        """Normalise the ID number, derive sex and birth date from it, refuse contradictions."""
        errors: dict[str, list] = {}
        if self.id_number:
            try:
                info = idnumber.parse(self.id_number)
            except ValidationError as e:
                errors["id_number"] = e.messages
            else:
                self.id_number = info.number
                for _k, name, message in rules.check_identity(
                    [info.sex], [info.birth_date], [self.sex], [self.birth_date]
                ):
                    errors[name] = [message]
                self.sex = self.sex or info.sex
                self.birth_date = self.birth_date or info.birth_date
                taken = Person.objects.filter(id_number=info.number).exclude(pk=self.pk)
                if taken.exists():
                    errors["id_number"] = [already_registered(taken.first(), self._checked_by)]
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs) -> None:
        if self.household_id:
            self.county_code = self.household.county_code
        super().save(*args, **kwargs)
        if self.relation == Relation.HEAD and self.household.head_name != self.name:
            self.household.head_name = self.name
            self.household.save(update_fields=["head_name", "updated"])

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        return Q(household__in=Household.objects.filter(Household.scope_q(scope)))


# --- Identification (精准识别) and exit (脱贫退出) ------------------------------------------


def points_text(value: Decimal) -> str:
    """Points as people write them: 25, not 25.0; 12.5 stays 12.5."""
    value = Decimal(value)
    return format(value.quantize(Decimal(1)) if value == value.to_integral() else value, "f")


class ProvinceWide(BaseModel):
    """Reference data the whole campaign shares (sheets, lines): anyone who may view sees all."""

    class Meta:
        abstract = True

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        return Q(pk__in=[]) if scope.nothing else Q()


# Facts a derived item can produce, per source: an option lists the facts that select it.
SOURCE_FACTS: dict[str, list[tuple[str, Any]]] = {
    FactSource.MANUAL: [],
    FactSource.HOUSING: list(HousingSafety.choices),
    FactSource.LABOUR: list(LabourFact.choices),
    FactSource.SCHOOLING: list(SchoolingFact.choices),
}


class ScoringSheet(ProvinceWide):
    """An identification scoring sheet (识别评分表): items with options and points, and the
    threshold on whose side a household's total proposes it as poor or not."""

    name = models.CharField(_("名称"), max_length=100)
    year = models.PositiveSmallIntegerField(_("启用年度"))
    threshold = models.DecimalField(_("识别门槛分"), max_digits=6, decimal_places=1)
    poor_when = models.CharField(
        _("判定规则"), max_length=12, choices=PoorWhen.choices, default=PoorWhen.AT_OR_BELOW
    )
    is_default = models.BooleanField(
        _("默认评分表"), default=False, help_text=_("打分页面和批量打分默认使用的评分表。")
    )
    description = models.TextField(_("说明"), blank=True)

    class Meta:
        ordering = ["-is_default", "-year", "name"]
        verbose_name = _("识别评分表")
        verbose_name_plural = pgettext_lazy("plural", "识别评分表")
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"],
                condition=Q(is_default=True),
                name="scoringsheet_one_default",
                violation_error_message=_("只能有一张默认评分表。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("registry:scoringsheet_detail", args=[self.pk])

    @property
    def max_total(self) -> Decimal:
        return sum((item.max_points for item in self.items.all()), Decimal(0))

    def proposes_poor(self, total: Decimal, threshold: Decimal | None = None) -> bool:
        """Whether `total` falls on the poor side of the threshold (the threshold included)."""
        threshold = self.threshold if threshold is None else threshold
        if self.poor_when == PoorWhen.AT_OR_ABOVE:
            return total >= threshold
        return total <= threshold


class ScoringItem(ProvinceWide):
    """One item of a sheet (一看房 ...), with the registry fact its answer can be read from."""

    sheet = models.ForeignKey(
        ScoringSheet, verbose_name=_("评分表"), on_delete=models.CASCADE, related_name="items"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    name = models.CharField(_("评分项"), max_length=100)
    max_points = models.DecimalField(
        _("满分"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    source = models.CharField(
        _("数据来源"),
        max_length=12,
        choices=FactSource.choices,
        default=FactSource.MANUAL,
        help_text=_("批量打分时从登记信息读取答案的来源;入户核实的项不自动作答。"),
    )
    help = models.TextField(_("评分说明"), blank=True)

    class Meta:
        ordering = ["sheet", "order", "pk"]
        verbose_name = _("评分项")
        verbose_name_plural = pgettext_lazy("plural", "评分项")
        constraints = [
            models.UniqueConstraint(
                fields=["sheet", "name"],
                name="scoringitem_unique_name",
                violation_error_message=_("同一评分表中评分项名称不能重复。"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{self.sheet.get_absolute_url()}#item-{self.pk}"

    def changelog_parent(self) -> ScoringSheet:
        return self.sheet


class ScoringOption(ProvinceWide):
    """One answer to an item and its points; `facts` name the registry facts that select it."""

    item = models.ForeignKey(
        ScoringItem, verbose_name=_("评分项"), on_delete=models.CASCADE, related_name="options"
    )
    order = models.PositiveSmallIntegerField(_("顺序"), default=0)
    label = models.CharField(_("选项"), max_length=100)
    points = models.DecimalField(
        _("分值"), max_digits=6, decimal_places=1, validators=[MinValueValidator(0)]
    )
    facts = models.JSONField(
        _("对应登记情况"),
        default=list,
        blank=True,
        help_text=_("批量打分时,登记信息为这些情况的户自动选此项。"),
    )

    class Meta:
        ordering = ["item", "order", "pk"]
        verbose_name = _("评分选项")
        verbose_name_plural = pgettext_lazy("plural", "评分选项")

    def __str__(self) -> str:
        return _("{label}({points}分)").format(label=self.label, points=points_text(self.points))

    def get_absolute_url(self) -> str:
        return self.item.get_absolute_url()

    def get_facts_display(self) -> str:
        labels = dict(SOURCE_FACTS[self.item.source])
        return "、".join(str(labels.get(fact, fact)) for fact in self.facts or [])

    def changelog_parent(self) -> ScoringSheet:
        return self.item.sheet

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        if self.item_id and self.points is not None and self.points > self.item.max_points:
            errors["points"] = _("分值不能高于该项满分{max}分。").format(
                max=points_text(self.item.max_points)
            )
        if self.item_id:
            allowed = {value for value, _label in SOURCE_FACTS[self.item.source]}
            unknown = [f for f in self.facts or [] if f not in allowed]
            if unknown:
                errors["facts"] = _("评分项的数据来源中没有这些情况:{v}").format(
                    v=", ".join(unknown)
                )
        if errors:
            raise ValidationError(errors)


class HouseholdScore(BaseModel):
    """A household scored against a sheet on a date: the total, the threshold it was judged
    against and the proposal, kept as they were even if the sheet is later revised."""

    household = models.ForeignKey(
        Household, verbose_name=_("贫困户"), on_delete=models.PROTECT, related_name="scores"
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
    sheet = models.ForeignKey(
        ScoringSheet, verbose_name=_("评分表"), on_delete=models.PROTECT, related_name="scores"
    )
    date = models.DateField(_("评分日期"), default=timezone.localdate)
    total = models.DecimalField(_("总分"), max_digits=7, decimal_places=1)
    threshold = models.DecimalField(_("识别门槛分"), max_digits=6, decimal_places=1)
    proposed_poor = models.BooleanField(_("建议识别为贫困户"))
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("评分人"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("备注"), blank=True)

    scope_region_path = "household__village__code"
    copied_from = {"county_code": "household.county_code"}  # kept by the database (core.derived)

    class Meta:
        ordering = ["-date", "-pk"]
        verbose_name = _("识别评分")
        verbose_name_plural = pgettext_lazy("plural", "识别评分")

    def __str__(self) -> str:
        return _("{household} {date} 评分{total}分").format(
            household=self.household, date=self.date.isoformat(), total=points_text(self.total)
        )

    def get_absolute_url(self) -> str:
        return reverse("registry:householdscore_detail", args=[self.pk])

    def save(self, *args, **kwargs) -> None:
        if self.household_id:
            self.county_code = self.household.county_code
        super().save(*args, **kwargs)

    def changelog_parent(self) -> Household:
        return self.household

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        return Q(household__in=Household.objects.filter(Household.scope_q(scope)))


class HouseholdScoreAnswer(BaseModel):
    """The option chosen for one item of a score, with the points it was worth then."""

    score = models.ForeignKey(
        HouseholdScore, verbose_name=_("识别评分"), on_delete=models.CASCADE, related_name="answers"
    )
    county_code = models.CharField(_("县级代码"), max_length=6, db_index=True, editable=False)
    item = models.ForeignKey(
        ScoringItem, verbose_name=_("评分项"), on_delete=models.PROTECT, related_name="+"
    )
    option = models.ForeignKey(
        ScoringOption, verbose_name=_("选项"), on_delete=models.PROTECT, related_name="+"
    )
    points = models.DecimalField(_("得分"), max_digits=6, decimal_places=1)

    scope_region_path = "score__household__village__code"
    copied_from = {"county_code": "score.county_code"}  # kept by the database (core.derived)

    class Meta:
        ordering = ["score", "item__order", "item_id"]
        verbose_name = _("评分答案")
        verbose_name_plural = pgettext_lazy("plural", "评分答案")
        constraints = [
            models.UniqueConstraint(
                fields=["score", "item"],
                name="householdscoreanswer_unique_item",
                violation_error_message=_("同一次评分中每个评分项只能作答一次。"),
            )
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.option}"

    def save(self, *args, **kwargs) -> None:
        if self.score_id:
            self.county_code = self.score.county_code
        super().save(*args, **kwargs)

    def changelog_parent(self) -> HouseholdScore:
        return self.score

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything or scope.nothing or scope.region_prefix is not None:
            return super().scope_q(scope)
        return Q(score__household__in=Household.objects.filter(Household.scope_q(scope)))


class PovertyLine(ProvinceWide):
    """The poverty line of a year (扶贫标准), yuan of net income per person per year: data, so
    a province that sets its own higher line edits the table instead of the code."""

    year = models.PositiveSmallIntegerField(_("年度"))
    amount = models.DecimalField(
        _("贫困线(元/人·年)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    note = models.CharField(_("依据"), max_length=200, blank=True)

    class Meta:
        ordering = ["-year"]
        verbose_name = _("贫困线")
        verbose_name_plural = pgettext_lazy("plural", "贫困线")
        constraints = [
            models.UniqueConstraint(
                fields=["year"],
                name="povertyline_unique_year",
                violation_error_message=_("该年度的贫困线已登记。"),
            )
        ]

    def __str__(self) -> str:
        return _("{year}年贫困线").format(year=self.year)
