from typing import Any

from django.db.models import Count, F
from django.utils.translation import gettext_lazy as _

from bangfu.campaigns.tables import PairingTable
from bangfu.core import views
from bangfu.ledger.tables import ProblemTable
from bangfu.orgs.filtersets import BranchFilterSet, MemberFilterSet, UnitFilterSet
from bangfu.orgs.forms import BranchForm, MemberForm, UnitForm
from bangfu.orgs.models import Branch, Member, Unit
from bangfu.orgs.tables import BranchTable, MemberTable, ResidentTeamTable, UnitTable


class UnitListView(views.ObjectListView):
    queryset = Unit.objects.annotate(branch_count=Count("branches")).order_by("name")
    filterset_class = UnitFilterSet
    table_class = UnitTable
    layout_key = "units"


def open_problems(**owner: object) -> Any:
    """A unit's, branch's or member's unsolved problems, the nearest deadline first."""
    from bangfu.ledger.choices import ProblemState
    from bangfu.ledger.models import Problem

    return (
        Problem.objects.filter(state__in=[ProblemState.OPEN, ProblemState.IN_PROGRESS], **owner)
        .select_related("village", "unit", "owner")
        .order_by(F("deadline").asc(nulls_last=True), "pk")
    )


OPEN_PROBLEMS = _("未解决的问题(逾期的标红)")


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
        (OPEN_PROBLEMS, lambda unit: open_problems(unit=unit), ProblemTable, ("unit",)),
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
        (OPEN_PROBLEMS, lambda branch: open_problems(branch=branch), ProblemTable, ("unit",)),
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
    related = [
        (_("结对"), "pairings", PairingTable, ("member", "branch")),
        (OPEN_PROBLEMS, lambda m: open_problems(owner=m), ProblemTable, ("owner", "unit")),
    ]


class MemberCreateView(views.ObjectCreateView):
    queryset = Member.objects.all()
    form_class = MemberForm


class MemberUpdateView(views.ObjectUpdateView):
    queryset = Member.objects.all()
    form_class = MemberForm
