"""Business actions on regions: loading Guizhou's division tree from the shipped data file."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from bangfu.geo.choices import Level
from bangfu.geo.divisions import county_centres, divisions
from bangfu.geo.models import Region

BATCH_SIZE = 2000
LEVEL_ORDER = [Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP, Level.VILLAGE]


def _coordinate(value: float) -> Decimal:
    return Decimal(str(round(value, 6)))


@transaction.atomic
def load_regions() -> int:
    """Create every Guizhou division missing from the Region table; return how many were made.

    Idempotent so that `make demo`, the demo generator and tests can all call it. It works one
    level at a time because bulk_create cannot link a child to a parent made in the same batch;
    bulk_create skips Region.save(), so county_code is set here.
    """
    by_level: dict[str, list] = {level: [] for level in LEVEL_ORDER}
    for division in divisions():
        by_level[division.level].append(division)
    centres = county_centres()
    pk_by_code = dict(Region.objects.values_list("code", "pk"))
    created = 0
    for level in LEVEL_ORDER:
        new = []
        for d in by_level[level]:
            if d.code in pk_by_code:
                continue
            lng_lat = centres.get(d.code) if level == Level.COUNTY else None
            new.append(
                Region(
                    code=d.code,
                    name=d.name,
                    level=level,
                    parent_id=pk_by_code[d.parent_code] if d.parent_code else None,
                    county_code=d.code[:6],
                    longitude=_coordinate(lng_lat[0]) if lng_lat else None,
                    latitude=_coordinate(lng_lat[1]) if lng_lat else None,
                )
            )
        if not new:
            continue
        Region.objects.bulk_create(new, batch_size=BATCH_SIZE)
        created += len(new)
        # Re-read rather than trust returned pks: not every backend returns them.
        pk_by_code.update(Region.objects.filter(level=level).values_list("code", "pk"))
    return created
