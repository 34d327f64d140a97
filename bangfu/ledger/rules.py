"""The ledger-entry (Activity) rules, in one place: the model's `clean` (so the form and the
API), the service (`services.record_activity`) and the ledger import all ask this module.

An entry dated outside its campaign's period would be stored and then never counted (figures
and scores count a campaign's entries within its period), so it is refused where it is typed.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bangfu.ledger.choices import ActivityKind

if TYPE_CHECKING:
    from bangfu.geo.models import Region
    from bangfu.ledger.models import Activity
    from bangfu.orgs.models import Member, Unit
    from bangfu.registry.models import Household

# (entry, field, message): the field is the model's (the import maps it to its column).
Problem = tuple["Activity", str, str]

# The figure each kind must carry, beyond the common fields.
COUNTS_KINDS = (ActivityKind.POLICY_SUPPORT, ActivityKind.TECH_SERVICE, ActivityKind.DEV_IDEA)


def entry_problems(activity: Activity) -> list[tuple[str, str]]:
    """The rules one entry keeps, as (field, message), at most one per field.

    Reads only the entry and its campaign, so an import checks each row without a query."""
    problems: dict[str, str] = {}
    date = activity.date
    if date:
        campaign = activity.campaign if activity.campaign_id else None
        if date > datetime.date.today():
            problems["date"] = _("日期不能晚于今天。")
        elif campaign is not None and not campaign.start <= date <= campaign.end:
            problems["date"] = _("日期须在行动期间({start}至{end})。").format(
                start=campaign.start, end=campaign.end
            )
    kind = activity.kind
    if kind == ActivityKind.STAY and not activity.days:
        problems["days"] = _("蹲点调研须填写天数。")
    if kind == ActivityKind.FUNDS and not activity.amount:
        problems["amount"] = _("引进资金须填写金额。")
    if kind in COUNTS_KINDS and not activity.quantity:
        problems["quantity"] = _("请填写数量。")
    return list(problems.items())


def outside_unit(unit: Any, names: Sequence[str]) -> str:
    """The refusal for participants who are not the entry's unit's members."""
    return _("以下人员不属于{unit}:{names}").format(unit=unit, names="、".join(names))


def people_problems(
    unit: Unit | None,
    village: Region | None,
    participants: Iterable[Member],
    households: Iterable[Household] = (),
) -> list[tuple[str, str]]:
    """Who an entry names: its participants are its unit's members (each one person-visit),
    its households live in its village. Given apart from the entry, as a form has them."""
    problems = []
    if unit is not None:
        outside = [m.name for m in participants if m.branch.unit_id != unit.pk]
        if outside:
            problems.append(("participants", outside_unit(unit, outside)))
    if village is not None:
        elsewhere = [h.head_name for h in households if h.village_id != village.pk]
        if elsewhere:
            problems.append(
                (
                    "households",
                    _("以下贫困户不在{village}:{names}").format(
                        village=village.name, names="、".join(elsewhere)
                    ),
                )
            )
    return problems


def check_activities(activities: Sequence[Activity]) -> list[Problem]:
    """Every entry rule for many entries at once."""
    return [(a, field, message) for a in activities for field, message in entry_problems(a)]


def refuse(problems: Sequence[Problem]) -> None:
    """Raise the problems of one entry as the ValidationError forms and the API show."""
    if problems:
        errors: dict[str, list[str]] = {}
        for _entry, field, message in problems:
            errors.setdefault(field, []).append(message)
        raise ValidationError(errors)
