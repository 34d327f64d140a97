"""The village map's data: positions (own or approximate near the county centre), colours by
pairing coverage and visits, links to the village, and the user's scope."""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from typing import Any

from django.urls import reverse

from bangfu.conftest import World
from bangfu.dashboard.figures import FigureSlice
from bangfu.dashboard.map import JITTER_DEGREES, STATUSES, jitter, village_points
from bangfu.geo.divisions import county_centres
from bangfu.geo.models import Region, VillageYear
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity


def _map(client: Any, **params: Any) -> dict:
    response = client.get(reverse("dashboard:map_data"), params)
    assert response.status_code == 200, response.content
    data = response.json()
    data["rows"] = {
        row[1]: dict(zip(data["columns"], row, strict=True)) for row in data["villages"]
    }
    return data


def _poor_unpaired_village(world: World) -> Region:
    """A poor village in 织金县 with no pairing (and, like the others, no coordinates)."""
    township = world.baoshan.parent
    village = Region.objects.create(
        code="520524116215", name="新店村", level="village", parent=township
    )
    VillageYear.objects.create(village=village, year=2016, is_poor=True, population=900)
    return village


def test_villages_without_coordinates_sit_near_their_county_centre(
    world: World, login: Any
) -> None:
    data = _map(login("office"))
    baoshan = data["rows"]["520524116214"]
    centre = county_centres()["520524000000"]  # 织金县, from the shipped file
    assert baoshan["approximate"] is True
    distance = math.dist((baoshan["lng"], baoshan["lat"]), centre)
    assert 0 < distance <= JITTER_DEGREES + 1e-5
    dx, dy = jitter("520524116214")
    assert (baoshan["lng"], baoshan["lat"]) == (
        round(centre[0] + dx, 5),
        round(centre[1] + dy, 5),
    )
    assert data["approximate"] == 2 and data["unplaced"] == 0


def test_jitter_is_fixed_per_village_and_differs_between_villages() -> None:
    assert jitter("520524116214") == jitter("520524116214")
    assert jitter("520524116214") != jitter("520524116215")
    offsets = [math.hypot(*jitter(f"5205241162{n:02d}")) for n in range(100)]
    assert max(offsets) <= JITTER_DEGREES and min(offsets) >= 0


def test_own_coordinates_are_exact_and_county_rows_override_the_file(
    world: World, login: Any
) -> None:
    world.baoshan.longitude, world.baoshan.latitude = Decimal("105.7701"), Decimal("26.6612")
    world.baoshan.save()
    county = world.lebang.parent.parent  # 贵定县
    county.longitude, county.latitude = Decimal("107.2"), Decimal("26.5")
    county.save()
    rows = _map(login("office"))["rows"]
    assert rows["520524116214"]["approximate"] is False
    assert (rows["520524116214"]["lng"], rows["520524116214"]["lat"]) == (105.7701, 26.6612)
    lebang = rows["522723102200"]
    dx, dy = jitter("522723102200")
    assert (lebang["lng"], lebang["lat"]) == (round(107.2 + dx, 5), round(26.5 + dy, 5))
    assert lebang["approximate"] is True


def test_colours_follow_pairing_coverage_and_visits(world: World, login: Any) -> None:
    _poor_unpaired_village(world)
    client = login("office")
    data = _map(client)
    rows = data["rows"]
    assert rows["520524116214"]["status"] == "visited"  # paired, an accepted visit in May
    assert rows["520524116214"]["visits"] == 1
    assert rows["520524116215"]["status"] == "unpaired"
    colours = {s["key"]: s["color"] for s in data["statuses"]}
    assert colours == STATUSES
    assert {s["key"]: s["count"] for s in data["statuses"]} == {
        "visited": 2,
        "paired": 0,
        "unpaired": 1,
    }
    # In June nobody visited: both paired villages are paired without a visit.
    june = _map(client, date_from="2016-06-01", date_to="2016-06-30")["rows"]
    assert june["520524116214"]["status"] == "paired"
    assert june["520524116214"]["visits"] == 0


def test_visits_count_only_counted_entries(world: World) -> None:
    for state in (ReviewState.SUBMITTED, ReviewState.RETURNED, ReviewState.ACCEPTED):
        Activity.objects.create(
            campaign=world.campaign,
            kind=ActivityKind.EXPERT_VISIT,
            date=datetime.date(2016, 6, 1),
            village=world.baoshan,
            unit=world.unit_a,
            branch=world.branch_a,
            summary="走访",
            state=state,
        )
    points = {p.code: p for p in village_points(FigureSlice(world.campaign))[0]}
    assert points["520524116214"].visits == 2  # the fixture's visit and the accepted one


def test_a_unit_sees_only_its_villages(world: World, login: Any) -> None:
    _poor_unpaired_village(world)
    client = login("unit_a")
    rows = _map(client)["rows"]
    assert set(rows) == {"520524116214"}
    response = client.get(reverse("dashboard:map_data"), {"unit": world.unit_b.pk})
    assert response.status_code == 400
    assert "乐邦村" not in response.content.decode()


def test_a_unit_slice_leaves_out_villages_it_does_not_work_in(world: World, login: Any) -> None:
    _poor_unpaired_village(world)
    rows = _map(login("office"), unit=world.unit_a.pk)["rows"]
    assert set(rows) == {"520524116214"}


def test_each_village_links_to_its_page(world: World, login: Any) -> None:
    client = login("office")
    data = _map(client)
    row = data["rows"]["520524116214"]
    url = data["village_url"].replace("{pk}", str(row["pk"]))
    assert url == reverse("geo:region_detail", args=[world.baoshan.pk])
    assert client.get(url).status_code == 200


def test_map_page_loads_the_outline_and_data(world: World, login: Any) -> None:
    html = login("office").get(reverse("dashboard:map"), {"region": "5205"}).content.decode()
    assert 'data-url="/dashboard/map.json?region=5205"' in html
    assert "guizhou-counties-0.1.4/guizhou-counties.json" in html
    for label in ("已结对,本期有走访", "已结对,本期无走访", "未结对"):
        assert label in html
