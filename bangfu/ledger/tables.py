from typing import Any

import django_tables2 as tables
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from bangfu.core.tables import BaseTable
from bangfu.ledger.models import Activity, Problem, Project


class ActivityTable(BaseTable):
    date = tables.Column(linkify=True, attrs={"td": {"class": "text-nowrap"}})
    branch = tables.Column(accessor="branch__name", order_by=("branch",))
    kind = tables.Column(linkify=True)
    village = tables.Column(linkify=True)
    participant_count = tables.Column(verbose_name=_("人次"), default=0)

    class Meta(BaseTable.Meta):
        model = Activity
        fields = (
            "date",
            "kind",
            "unit",
            "branch",
            "village",
            "participant_count",
            "days",
            "quantity",
            "amount",
            "state",
        )


class VisitTable(ActivityTable):
    """A household's visits, on its page: when, who, and what was done."""

    summary = tables.Column(verbose_name=_("工作内容"), attrs={"td": {"class": "text-wrap"}})

    class Meta(ActivityTable.Meta):
        fields = ("date", "kind", "branch", "participant_count", "summary", "state")
        exclude = ("unit", "village", "days", "quantity", "amount")

    def render_summary(self, value: str) -> str:
        return value if len(value) <= 60 else value[:60] + "…"


class ReviewTable(ActivityTable):
    """The review queue: a tick box per entry and what the reviewer needs to judge it."""

    # The header's box only ticks the rows (page.js): unnamed, so it posts nothing itself.
    pick = tables.CheckBoxColumn(
        accessor="pk",
        attrs={
            "input": {"name": "ids", "form": "bulk", "class": "form-check-input"},
            "th__input": {
                "class": "form-check-input",
                "data-check-all": "ids",
                "aria-label": _("全选"),
            },
        },
    )
    summary = tables.Column(verbose_name=_("工作内容"), attrs={"td": {"class": "text-wrap"}})
    author = tables.Column(verbose_name=_("填报人"))

    class Meta(ActivityTable.Meta):
        fields = ("date", "kind", "branch", "village", "participant_count", "summary", "author")
        sequence = ("pick", "...")
        exclude = ("state", "unit", "days", "quantity", "amount")

    def render_summary(self, value: str) -> str:
        return value if len(value) <= 60 else value[:60] + "…"


class ProblemTable(BaseTable):
    title = tables.Column(linkify=True)
    village = tables.Column()
    deadline = tables.Column(attrs={"td": {"class": "text-nowrap"}})

    class Meta(BaseTable.Meta):
        model = Problem
        fields = ("title", "category", "village", "unit", "owner", "raised_on", "deadline", "state")

    def render_deadline(self, value, record: Problem) -> str:
        if record.is_overdue:
            return format_html(
                '{} <span class="badge text-bg-danger" data-testid="overdue">{}</span>',
                date_format(value),
                _("逾期"),
            )
        return date_format(value)

    def value_deadline(self, value: Any) -> Any:
        """The export's cell: the date itself (the page's overdue badge is HTML)."""
        return value


class ProjectTable(BaseTable):
    name = tables.Column(linkify=True)
    total_funds = tables.Column(verbose_name=_("资金(元)"), default=0)
    beneficiary_count = tables.Column(verbose_name=_("受益户数"), default=0)

    class Meta(BaseTable.Meta):
        model = Project
        fields = (
            "name",
            "origin",
            "sector",
            "village",
            "unit",
            "state",
            "date",
            "total_funds",
            "beneficiary_count",
        )
