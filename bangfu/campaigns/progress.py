"""Progress of every unit against the allocation plan (基本任务分配方案), counted from pairings."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import AllocationTarget, Campaign, Pairing
from bangfu.orgs.models import Unit


@dataclass
class KindProgress:
    target: int = 0
    actual: int = 0

    @property
    def percent(self) -> int | None:
        return None if not self.target else min(999, round(self.actual * 100 / self.target))

    @property
    def met(self) -> bool:
        return self.actual >= self.target


@dataclass
class UnitProgress:
    unit: Unit
    kinds: dict[str, KindProgress] = field(default_factory=dict)

    @property
    def met(self) -> bool:
        return all(k.met for k in self.kinds.values())


def unit_progress(
    campaign: Campaign, user: Any, on: datetime.date | None = None
) -> list[UnitProgress]:
    """Each unit in the user's scope with a target: target and active pairings per kind.

    A pairing counts while its term covers `on` (default: today, or the campaign's end if the
    campaign is over), so ended and handed-over pairings stop counting; claims waiting for
    approval and rejected ones never count.
    """
    on = on or min(datetime.date.today(), campaign.end)
    targets = AllocationTarget.objects.restrict(user, "view").filter(campaign=campaign)
    active = (
        Pairing.objects.restrict(user, "view")
        .filter(campaign=campaign)
        .in_force(on)
        .values("branch__unit_id", "kind")
        .annotate(n=Count("pk"))
    )
    actual = {(row["branch__unit_id"], row["kind"]): row["n"] for row in active}
    units: dict[int, UnitProgress] = {}
    for target in targets.select_related("unit").order_by("unit__name"):
        progress = units.setdefault(target.unit_id, UnitProgress(target.unit))
        progress.kinds[target.kind] = KindProgress(
            target.target, actual.get((target.unit_id, target.kind), 0)
        )
    for progress in units.values():
        for kind in PairingKind.values:
            progress.kinds.setdefault(
                kind, KindProgress(0, actual.get((progress.unit.pk, kind), 0))
            )
    return list(units.values())
