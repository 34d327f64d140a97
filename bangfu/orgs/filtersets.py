import django_filters
from django.utils.translation import gettext_lazy as _

from bangfu.core.filtersets import BaseFilterSet
from bangfu.orgs.choices import Specialty
from bangfu.orgs.models import Branch, Member, Unit


class UnitFilterSet(BaseFilterSet):
    search_fields = ("name", "short_name")

    class Meta:
        model = Unit
        fields = ["q", "sends_professionals"]


class BranchFilterSet(BaseFilterSet):
    search_fields = ("name", "unit__name")

    class Meta:
        model = Branch
        fields = ["q", "unit"]


class MemberFilterSet(BaseFilterSet):
    search_fields = ("name", "branch__name", "branch__unit__name")
    specialty = django_filters.ChoiceFilter(
        label=_("专业"), choices=Specialty.choices, empty_label=_("全部")
    )

    class Meta:
        model = Member
        fields = [
            "q",
            "branch__unit",
            "is_secretary",
            "is_leading_cadre",
            "is_professional",
            "specialty",
        ]
