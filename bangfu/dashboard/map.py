"""Villages on a map, coloured by pairing coverage and visits in a slice.

A village's own coordinates are used where the region data has them; otherwise it is placed
near its county's centre (the region row, or the shipped county-centre file) with a small
jitter derived from its code, so the same village always lands on the same spot, and it is
marked approximate. Villages with neither are listed as unplaced.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from bangfu.campaigns.choices import PairingKind
from bangfu.dashboard.charts import counted_entries
from bangfu.dashboard.figures import FigureSlice
from bangfu.geo.choices import Level
from bangfu.geo.divisions import county_centres
from bangfu.geo.models import Region, VillageYear

# How far (degrees, about 11 km) an approximate village may sit from its county's centre.
JITTER_DEGREES = 0.1

# Status → colour; the legend and the test read the same table.
STATUSES: dict[str, str] = {
    "visited": "#198754",  # paired, and visited in the slice
    "paired": "#fd7e14",  # paired, no counted visit in the slice
    "unpaired": "#dc3545",  # a poor village no branch is paired with
}


def status_legend() -> list[dict[str, str]]:
    """Each status with its label and colour, in legend order."""
    labels = {
        "visited": _("已结对,本期有走访"),
        "paired": _("已结对,本期无走访"),
        "unpaired": _("未结对"),
    }
    return [{"key": key, "label": labels[key], "color": color} for key, color in STATUSES.items()]


@dataclass(frozen=True)
class VillagePoint:
    pk: int
    code: str
    name: str
    longitude: float
    latitude: float
    approximate: bool
    paired: bool
    visits: int

    @property
    def status(self) -> str:
        if not self.paired:
            return "unpaired"
        return "visited" if self.visits else "paired"


def jitter(code: str) -> tuple[float, float]:
    """A fixed offset (degrees) for a village code, spread evenly over a small disc."""
    digest = hashlib.sha256(code.encode()).digest()
    angle = int.from_bytes(digest[:4], "big") / 2**32 * 2 * math.pi
    radius = math.sqrt(int.from_bytes(digest[4:8], "big") / 2**32) * JITTER_DEGREES
    return radius * math.cos(angle), radius * math.sin(angle)


@cache
def _shipped_county_centres() -> dict[str, tuple[float, float]]:
    return county_centres()


def _county_centres(county_codes: set[str]) -> dict[str, tuple[float, float]]:
    """6-digit county code → (lng, lat): the region rows first, the shipped file for the rest."""
    shipped = _shipped_county_centres()
    centres = {code[:6]: point for code, point in shipped.items() if code[:6] in county_codes}
    rows = Region.objects.filter(
        level=Level.COUNTY,
        county_code__in=county_codes,
        longitude__isnull=False,
        latitude__isnull=False,
    ).values_list("county_code", "longitude", "latitude")
    centres.update({code: (float(lng), float(lat)) for code, lng, lat in rows})
    return centres


def village_points(slice_: FigureSlice) -> tuple[list[VillagePoint], int]:
    """The slice's villages placed on the map, and how many could not be placed.

    Which villages: those paired or visited in the slice, and (unless the slice is one unit's)
    every poor village of the campaign's year, so the unpaired ones show.
    """
    pairings = slice_.pairings(PairingKind.BRANCH_VILLAGE)
    entries = counted_entries(slice_)
    wanted = Q(pk__in=pairings.values("village_id")) | Q(pk__in=entries.values("village_id"))
    if not slice_.unit_id:
        poor = VillageYear.objects.filter(year=slice_.campaign.year, is_poor=True)
        wanted |= Q(pk__in=poor.values("village_id"))
    villages = Region.objects.filter(level=Level.VILLAGE)
    if slice_.user is not None:
        villages = villages.restrict(slice_.user, "view")
    if slice_.region_prefix:
        villages = villages.filter(code__startswith=slice_.region_prefix)
    rows = list(
        villages.filter(wanted).values_list(
            "pk", "code", "name", "county_code", "longitude", "latitude"
        )
    )
    paired = set(pairings.values_list("village_id", flat=True).distinct())
    visits = dict(
        entries.values("village_id")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("village_id", "n")
    )
    centres = _county_centres({row[3] for row in rows if row[4] is None or row[5] is None})
    points, unplaced = [], 0
    for pk, code, name, county, lng, lat in rows:
        approximate = lng is None or lat is None
        if approximate:
            if county not in centres:
                unplaced += 1
                continue
            dx, dy = jitter(code)
            lng, lat = centres[county][0] + dx, centres[county][1] + dy
        points.append(
            VillagePoint(
                pk=pk,
                code=code,
                name=name,
                longitude=round(float(lng), 5),
                latitude=round(float(lat), 5),
                approximate=approximate,
                paired=pk in paired,
                visits=visits.get(pk, 0),
            )
        )
    return points, unplaced


def map_data(slice_: FigureSlice) -> dict[str, Any]:
    """What /dashboard/map.json sends: one compact row per village, plus the legend."""
    points, unplaced = village_points(slice_)
    detail = reverse("geo:region_detail", args=[0]).replace("/0/", "/{pk}/")
    counts = {status: 0 for status in STATUSES}
    for p in points:
        counts[p.status] += 1
    return {
        "title": _("村级帮扶地图"),
        "columns": ["pk", "code", "name", "lng", "lat", "approximate", "status", "visits"],
        "villages": [
            [p.pk, p.code, p.name, p.longitude, p.latitude, p.approximate, p.status, p.visits]
            for p in points
        ],
        "statuses": [{**status, "count": counts[status["key"]]} for status in status_legend()],
        "approximate": sum(p.approximate for p in points),
        "unplaced": unplaced,
        "village_url": detail,
        "labels": {
            "approximate": _("位置为所在县中心附近的近似位置"),
            "visits": _("本期走访(条)"),
        },
    }
