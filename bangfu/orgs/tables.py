import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.orgs.models import Branch, Member, ResidentTeam, Unit


class UnitTable(BaseTable):
    name = tables.Column(linkify=True)
    branch_count = tables.Column(verbose_name=_("支部数"))

    class Meta(BaseTable.Meta):
        model = Unit
        fields = ("name", "short_name", "sends_professionals", "branch_count")


class BranchTable(BaseTable):
    name = tables.Column(linkify=True)
    unit = tables.Column(linkify=True)
    member_count = tables.Column(verbose_name=_("人数"))

    class Meta(BaseTable.Meta):
        model = Branch
        fields = ("name", "unit", "capacity", "member_count")


class MemberTable(BaseTable):
    name = tables.Column(linkify=True)
    branch = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = Member
        fields = (
            "name",
            "branch",
            "position",
            "is_secretary",
            "is_leading_cadre",
            "cadre_rank",
            "is_professional",
            "specialty",
        )


class ResidentTeamTable(BaseTable):
    village = tables.Column(linkify=True)

    class Meta(BaseTable.Meta):
        model = ResidentTeam
        fields = ("unit", "village", "first_secretary", "start", "end")
