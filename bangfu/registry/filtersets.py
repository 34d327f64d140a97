import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.core.filtersets import BaseFilterSet, region_filter
from bangfu.registry.choices import HouseholdAttribute, HouseholdStatus, PovertyCause
from bangfu.registry.models import Household, HouseholdScore, PovertyLine, ScoringSheet


class HouseholdFilterSet(BaseFilterSet):
    search_fields = ("number", "head_name", "village__name")
    region = region_filter("village__code")
    attribute = django_filters.ChoiceFilter(
        label=_("贫困户属性"), choices=HouseholdAttribute.choices, empty_label=_("全部")
    )
    main_cause = django_filters.ChoiceFilter(
        label=_("主要致贫原因"), choices=PovertyCause.choices, empty_label=_("全部")
    )
    status = django_filters.ChoiceFilter(
        label=_("脱贫状态"), choices=HouseholdStatus.choices, empty_label=_("全部")
    )

    class Meta:
        model = Household
        fields = ["q", "region", "attribute", "main_cause", "status", "identified_year"]


class HouseholdScoreFilterSet(BaseFilterSet):
    search_fields = ("household__number", "household__head_name", "household__village__name")
    region = region_filter("household__village__code")
    proposed_poor = django_filters.BooleanFilter(label=_("建议识别为贫困户"))

    class Meta:
        model = HouseholdScore
        fields = ["q", "region", "sheet", "proposed_poor"]


class ScoringSheetFilterSet(BaseFilterSet):
    search_fields = ("name", "description")

    class Meta:
        model = ScoringSheet
        fields = ["q", "year"]


class PovertyLineFilterSet(BaseFilterSet):
    search_fields = ("note",)

    class Meta:
        model = PovertyLine
        fields = ["year"]
