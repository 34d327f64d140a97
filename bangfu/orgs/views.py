from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.orgs.filtersets import BranchFilterSet, MemberFilterSet, UnitFilterSet
from bangfu.orgs.forms import BranchForm, MemberForm, UnitForm
from bangfu.orgs.models import Branch, Member, Unit
from bangfu.orgs.tables import BranchTable, MemberTable, ResidentTeamTable, UnitTable


class UnitListView(views.ObjectListView):
    queryset = Unit.objects.annotate(branch_count=Count("branches")).order_by("name")
    filterset_class = UnitFilterSet
    table_class = UnitTable
    layout_key = "units"


class UnitDetailView(views.ObjectDetailView):
    queryset = Unit.objects.all()
    related = [
        (
            _("党支部"),
            lambda unit: unit.branches.annotate(member_count=Count("members")).order_by("pk"),
            BranchTable,
            ("unit",),
        ),
        (_("驻村工作队"), "resident_teams", ResidentTeamTable, ("unit",)),
    ]


class UnitCreateView(views.ObjectCreateView):
    queryset = Unit.objects.all()
    form_class = UnitForm


class UnitUpdateView(views.ObjectUpdateView):
    queryset = Unit.objects.all()
    form_class = UnitForm


class BranchListView(views.ObjectListView):
    queryset = (
        Branch.objects.select_related("unit")
        .annotate(member_count=Count("members"))
        .order_by("unit__name", "pk")
    )
    filterset_class = BranchFilterSet
    table_class = BranchTable
    layout_key = "branches"


class BranchDetailView(views.ObjectDetailView):
    queryset = Branch.objects.select_related("unit")
    related = [
        (_("党员干部"), "members", MemberTable, ("branch",)),
        (_("结对"), "pairings", PairingTable, ("branch",)),
    ]


class BranchCreateView(views.ObjectCreateView):
    queryset = Branch.objects.all()
    form_class = BranchForm


class BranchUpdateView(views.ObjectUpdateView):
    queryset = Branch.objects.all()
    form_class = BranchForm


class MemberListView(views.ObjectListView):
    queryset = Member.objects.select_related("branch__unit")
    filterset_class = MemberFilterSet
    table_class = MemberTable
    layout_key = "members"


class MemberDetailView(views.ObjectDetailView):
    queryset = Member.objects.select_related("branch__unit")
    related = [(_("结对"), "pairings", PairingTable, ("member", "branch"))]


class MemberCreateView(views.ObjectCreateView):
    queryset = Member.objects.all()
    form_class = MemberForm


class MemberUpdateView(views.ObjectUpdateView):
    queryset = Member.objects.all()
    form_class = MemberForm
