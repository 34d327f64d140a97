"""The dashboard's charts as data: each a title, categories, series and the table beside it.

Every chart reads one slice (FigureSlice: campaign, region, unit, period, user's scope) with
one aggregate query per measure, never one per row; ledger charts count only the entries the
campaign counts (ledger/counting.py), as the headline figures do.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Substr, TruncMonth
from django.utils.translation import gettext as _

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.progress import unit_progress
from bangfu.core.scope import CODE_PREFIX_LENGTH, Scope
from bangfu.dashboard.figures import FigureSlice
from bangfu.geo.choices import Level
from bangfu.geo.models import Region
from bangfu.ledger.choices import ActivityKind
from bangfu.ledger.models import ActivityParticipant

# The level one below each code-prefix length: what a region's chart compares.
_CHILD_PREFIX = {2: 4, 4: 6, 6: 9, 9: 12, 12: 12}
_LEVEL_OF_LENGTH = {length: level for level, length in CODE_PREFIX_LENGTH.items()}


@dataclass
class Chart:
    """One chart and its data table; `to_json` is what /dashboard/charts/<name>.json sends."""

    name: str
    title: str
    chart: str  # line, bar, hbar (horizontal bars) or pie
    categories: list[str]
    series: list[dict[str, Any]]
    columns: list[str]
    rows: list[list[Any]]
    unit: str = ""
    note: str = ""
    links: list[str] = field(default_factory=list)  # per category, where a click goes
    short_categories: list[str] | None = None  # axis labels, where the names are long

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "chart": self.chart,
            "unit": self.unit,
            "note": self.note,
            "categories": self.categories,
            "series": self.series,
            "table": {"columns": self.columns, "rows": self.rows},
            "links": self.links,
            "short_categories": self.short_categories,
        }


def counted_entries(slice_: FigureSlice) -> QuerySet:
    """Every counted ledger entry in the slice, of any kind."""
    return slice_.entries().filter(state__in=slice_.counted_states())


def _months(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months, month = [], first.replace(day=1)
    while month <= last:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _month_key(value: datetime.date | datetime.datetime) -> str:
    return f"{value.year:04d}-{value.month:02d}"


def trends(slice_: FigureSlice) -> Chart:
    """Counted entries per month, one line per kind of activity."""
    rows = (
        counted_entries(slice_)
        .annotate(month=TruncMonth("date"))
        .values("month", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(_month_key(r["month"]), r["kind"]): r["n"] for r in rows}
    campaign = slice_.campaign
    first = slice_.date_from or campaign.start
    last = slice_.date_to or campaign.end
    seen = sorted({month for month, _kind in counts})
    if seen:  # entries outside the campaign's dates still show
        first = min(first, datetime.date.fromisoformat(seen[0] + "-01"))
        last = max(last, datetime.date.fromisoformat(seen[-1] + "-01"))
    months = [_month_key(m) for m in _months(first, last)]
    kinds = [k for k in ActivityKind if any(counts.get((m, k.value)) for m in months)]
    series = [
        {
            "name": str(k.label),
            "key": k.value,
            "data": [counts.get((m, k.value), 0) for m in months],
        }
        for k in kinds
    ]
    table = [
        [
            m,
            *(counts.get((m, k.value), 0) for k in kinds),
            sum(counts.get((m, k.value), 0) for k in kinds),
        ]
        for m in months
    ]
    return Chart(
        name="trends",
        title=_("每月台账记录(按工作类别)"),
        chart="line",
        categories=months,
        series=series,
        columns=[_("月份"), *(str(k.label) for k in kinds), _("合计")],
        rows=table,
        unit=_("条"),
        note=_("只统计计入数字的台账记录。"),
    )


class _Everything:
    """Stands for "no user": a slice without one (the command line, tests) sees every record,
    as FigureSlice does, while unit_progress always restricts by a user."""

    is_authenticated = is_active = True
    scope = Scope.all()

    def has_perm(self, perm: str) -> bool:
        return True


_EVERYTHING = _Everything()


def _progress_percent(kinds: dict[str, Any]) -> tuple[int, int, float]:
    """(target, done, percent): done counts at most the target per kind, so surplus in one kind
    does not hide a shortfall in another."""
    target = sum(k.target for k in kinds.values())
    done = sum(min(k.actual, k.target) for k in kinds.values())
    return target, done, round(done * 100 / target, 1) if target else 0.0


def units(slice_: FigureSlice) -> Chart:
    """Units ranked by progress against their allocation targets (as of the slice's end)."""
    user = slice_.user if slice_.user is not None else _EVERYTHING
    progress = unit_progress(slice_.campaign, user, on=slice_.date_to)
    if slice_.unit_id:
        progress = [p for p in progress if p.unit.pk == slice_.unit_id]
    if slice_.region_prefix:
        in_region = set(
            slice_.pairings(PairingKind.BRANCH_VILLAGE).values_list("branch__unit_id", flat=True)
        )
        progress = [p for p in progress if p.unit.pk in in_region]
    ranked = sorted(
        ((p.unit, *_progress_percent(p.kinds)) for p in progress),
        key=lambda row: (-row[3], row[0].name),
    )
    return Chart(
        name="units",
        title=_("各单位结对任务完成率"),
        chart="hbar",
        categories=[u.short_name or u.name for u, *_rest in ranked],
        series=[{"name": _("完成率"), "key": "percent", "data": [r[3] for r in ranked]}],
        columns=[_("名次"), _("单位"), _("任务数"), _("已完成"), _("完成率(%)")],
        rows=[[i, u.name, t, d, p] for i, (u, t, d, p) in enumerate(ranked, 1)],
        unit="%",
        note=_("按基本任务分配方案的五类结对任务计;每类超额部分不抵补其他类。"),
    )


_ETHNIC_AUTONOMY = re.compile(r"(?:布依族|苗族|侗族|土家族|彝族|仡佬族|回族|水族)+自治(?=[州县])")


def short_name(name: str) -> str:
    """The short form people use for an autonomous division: 黔东南苗族侗族自治州 → 黔东南州."""
    return _ETHNIC_AUTONOMY.sub("", name)


def _area_length(slice_: FigureSlice) -> int:
    """The code-prefix length of the areas a region chart compares: one level below the slice's."""
    own = len(slice_.region_prefix) if slice_.region_prefix else 2
    return _CHILD_PREFIX[max(length for length in _CHILD_PREFIX if length <= own)]


def regions(slice_: FigureSlice) -> Chart:
    """Prefectures compared (or, inside a region, the divisions one level below it)."""
    length = _area_length(slice_)
    villages = (
        slice_.pairings(PairingKind.BRANCH_VILLAGE)
        .annotate(area=Substr("village__code", 1, length))
        .values("area")
        .annotate(n=Count("village", distinct=True))
        .order_by()
    )
    entries = (
        counted_entries(slice_)
        .annotate(area=Substr("village__code", 1, length))
        .values("area")
        .annotate(
            n=Count("pk"),
            funds=Sum("amount", filter=Q(kind=ActivityKind.FUNDS), default=Decimal(0)),
        )
        .order_by()
    )
    paired = {r["area"]: r["n"] for r in villages}
    counted = {r["area"]: (r["n"], r["funds"] or Decimal(0)) for r in entries}
    level = _LEVEL_OF_LENGTH[length]
    areas = sorted(paired.keys() | counted.keys())
    names = dict(
        Region.objects.filter(level=level, code__in=[a.ljust(12, "0") for a in areas]).values_list(
            "code", "name"
        )
    )
    labels = [names.get(a.ljust(12, "0"), a) for a in areas]
    wan = [float(round(counted.get(a, (0, Decimal(0)))[1] / 10_000, 2)) for a in areas]
    title = (
        _("各市州比较") if length == 4 else _("下辖{level}比较").format(level=Level(level).label)
    )
    return Chart(
        name="regions",
        title=title,
        chart="bar",
        categories=labels,
        series=[
            {
                "name": _("结对帮扶的村"),
                "key": "villages_paired",
                "data": [paired.get(a, 0) for a in areas],
            },
            {
                "name": _("台账记录"),
                "key": "entries",
                "data": [counted.get(a, (0, 0))[0] for a in areas],
            },
        ],
        columns=[_("区划"), _("结对帮扶的村(个)"), _("台账记录(条)"), _("引进资金(万元)")],
        rows=[
            [label, paired.get(a, 0), counted.get(a, (0, 0))[0], w]
            for a, label, w in zip(areas, labels, wan, strict=True)
        ],
        links=[a.ljust(12, "0") for a in areas],
        short_categories=[short_name(label) for label in labels],
    )


def kinds(slice_: FigureSlice) -> Chart:
    """Kinds of help: counted entries and person-times per kind of activity."""
    entries = counted_entries(slice_)
    by_kind = {r["kind"]: r["n"] for r in entries.values("kind").annotate(n=Count("pk")).order_by()}
    persons = {
        r["activity__kind"]: r["n"]
        for r in ActivityParticipant.objects.filter(activity__in=entries)
        .values("activity__kind")
        .annotate(n=Count("pk"))
        .order_by()
    }
    present = [k for k in ActivityKind if by_kind.get(k.value)]
    return Chart(
        name="kinds",
        title=_("帮扶工作类别"),
        chart="pie",
        categories=[str(k.label) for k in present],
        series=[
            {"name": _("台账记录"), "key": "entries", "data": [by_kind[k.value] for k in present]}
        ],
        columns=[_("工作类别"), _("台账记录(条)"), _("参与(人次)")],
        rows=[[str(k.label), by_kind[k.value], persons.get(k.value, 0)] for k in present],
        unit=_("条"),
    )


CHARTS: dict[str, Callable[[FigureSlice], Chart]] = {
    "trends": trends,
    "units": units,
    "regions": regions,
    "kinds": kinds,
}
