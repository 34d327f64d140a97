"""The drill-down list of a figure: its records shown with the table of their model.

A figure's records may be units, branches, villages, members, households, people, person-
visits, ledger entries, problems, projects or villages' yearly facts; each gets the columns
its own list page uses (person-visits show their entry's columns and the member).
"""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.db.models import Count, QuerySet
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.geo.models import Region, VillageYear
from bangfu.geo.tables import RegionTable
from bangfu.ledger.models import Activity, ActivityParticipant, Problem, Project
from bangfu.ledger.tables import ActivityTable, ProblemTable, ProjectTable
from bangfu.orgs.models import Branch, Member, Unit
from bangfu.orgs.tables import BranchTable, MemberTable, UnitTable
from bangfu.registry.models import Household, Person
from bangfu.registry.tables import HouseholdTable, PersonTable


class ParticipationTable(BaseTable):
    """Person-visits: one row per participant, with the entry it belongs to."""

    date = tables.Column(
        accessor="activity__date",
        verbose_name=_("日期"),
        linkify=lambda record: record.activity.get_absolute_url(),
        attrs={"td": {"class": "text-nowrap"}},
    )
    kind = tables.Column(accessor="activity__kind", verbose_name=_("帮扶类型"))
    unit = tables.Column(accessor="activity__unit__name", verbose_name=_("单位"))
    branch = tables.Column(accessor="activity__branch__name", verbose_name=_("党支部"))
    village = tables.Column(accessor="activity__village__name", verbose_name=_("村"))
    member = tables.Column(accessor="member__name", verbose_name=_("参加人员"))
    state = tables.Column(accessor="activity__state", verbose_name=_("审核状态"))

    class Meta(BaseTable.Meta):
        model = ActivityParticipant
        fields = ()
        sequence = ("date", "kind", "unit", "branch", "village", "member", "state")

    def render_kind(self, record: ActivityParticipant) -> str:
        return record.activity.get_kind_display()

    def render_state(self, record: ActivityParticipant) -> str:
        return record.activity.get_state_display()


class VillageFactsTable(BaseTable):
    village = tables.Column(linkify=True, verbose_name=_("村"))

    class Meta(BaseTable.Meta):
        model = VillageYear
        fields = (
            "village",
            "year",
            "households",
            "population",
            "poor_households",
            "poor_population",
        )


def _activities(qs: QuerySet) -> QuerySet:
    from bangfu.ledger.views import with_participant_count

    return with_participant_count(qs.select_related("unit", "branch", "village")).order_by(
        "-date", "-pk"
    )


# model → (table class, how its rows are fetched for the table)
TABLES: dict[type, tuple[type[tables.Table], Any]] = {
    Unit: (UnitTable, lambda qs: qs.annotate(branch_count=Count("branches")).order_by("name")),
    Branch: (
        BranchTable,
        lambda qs: qs.select_related("unit").annotate(member_count=Count("members")),
    ),
    Region: (RegionTable, lambda qs: qs.select_related("parent").order_by("code")),
    Member: (MemberTable, lambda qs: qs.select_related("branch__unit")),
    Household: (
        HouseholdTable,
        lambda qs: qs.select_related("village").annotate(people_count=Count("people")),
    ),
    Person: (PersonTable, lambda qs: qs.select_related("household").order_by("household", "pk")),
    ActivityParticipant: (
        ParticipationTable,
        lambda qs: qs.select_related(
            "member", "activity__unit", "activity__branch", "activity__village"
        ).order_by("-activity__date", "-activity_id", "pk"),
    ),
    Activity: (ActivityTable, _activities),
    Problem: (ProblemTable, lambda qs: qs.select_related("village", "unit", "owner")),
    Project: (ProjectTable, lambda qs: qs.select_related("village", "unit")),
    VillageYear: (VillageFactsTable, lambda qs: qs.select_related("village").order_by("village")),
}


def table_for(records: QuerySet, user: Any, **kwargs: Any) -> tables.Table:
    """The records in their model's table (columns a list page of that model would show)."""
    table_class, prepare = TABLES[records.model]
    extra: dict[str, Any] = {}
    if table_class is PersonTable:
        extra["user"] = user
    if table_class is ProjectTable:
        extra["exclude"] = ("total_funds", "beneficiary_count")
    return table_class(prepare(records), **extra, **kwargs)
