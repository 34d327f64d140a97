"""Chart data endpoints: every value equals a direct count of the records, and a user's scope
bounds what any chart shows, whatever the URL asks for."""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from playwright.sync_api import expect

from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import AllocationTarget, Pairing
from bangfu.conftest import World
from bangfu.dashboard.charts import short_name
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity, ActivityParticipant

CHART_NAMES = ("trends", "units", "regions", "kinds")


def _entry(
    world: World,
    kind: str,
    date: datetime.date,
    state: str = ReviewState.ACCEPTED,
    where: str = "a",
    amount: str = "0",
    people: int = 1,
) -> Activity:
    village, unit, branch, member = (
        (world.baoshan, world.unit_a, world.branch_a, world.member_a)
        if where == "a"
        else (world.lebang, world.unit_b, world.branch_b, world.secretary_b)
    )
    activity = Activity.objects.create(
        campaign=world.campaign,
        kind=kind,
        date=date,
        village=village,
        unit=unit,
        branch=branch,
        summary="记录",
        state=state,
        amount=Decimal(amount),
    )
    activity.participations.create(member=member)
    if people > 1:
        activity.participations.create(member=world.secretary_a if where == "a" else member)
    return activity


@pytest.fixture
def ledger(world: World) -> World:
    """The world plus entries of several kinds and months, some of which must not count."""
    d = datetime.date
    _entry(world, ActivityKind.EXPERT_VISIT, d(2016, 5, 20), people=2)
    _entry(world, ActivityKind.EXPERT_VISIT, d(2016, 7, 3))
    _entry(world, ActivityKind.FUNDS, d(2016, 7, 9), amount="250000")
    _entry(world, ActivityKind.POLICY_SUPPORT, d(2016, 8, 1), where="b")
    _entry(world, ActivityKind.FUNDS, d(2016, 9, 9), where="b", amount="1234500")
    _entry(world, ActivityKind.STAY, d(2016, 6, 1), state=ReviewState.SUBMITTED)  # not counted
    _entry(world, ActivityKind.STAY, d(2016, 6, 2), state=ReviewState.RETURNED)  # not counted
    return world


def _get(client: Any, name: str, **params: Any) -> dict:
    response = client.get(reverse("dashboard:chart_data", args=[name]), params)
    assert response.status_code == 200, response.content
    return response.json()


def _counted(**filters: Any) -> Any:
    return Activity.objects.filter(state=ReviewState.ACCEPTED, **filters)


def test_trends_equal_counted_entries_per_month_and_kind(ledger: World, login: Any) -> None:
    data = _get(login("office"), "trends")
    expected = Counter((f"{a.date:%Y-%m}", a.kind) for a in _counted(campaign=ledger.campaign))
    assert data["categories"][0] == "2016-03" and data["categories"][-1] == "2016-12"
    shown = {
        (month, s["key"]): n
        for s in data["series"]
        for month, n in zip(data["categories"], s["data"], strict=True)
        if n
    }
    assert shown == dict(expected)
    assert ActivityKind.STAY not in {s["key"] for s in data["series"]}  # submitted, returned
    may = data["table"]["rows"][data["categories"].index("2016-05")]
    assert may[0] == "2016-05" and may[-1] == _counted(date__month=5).count() == 3


def test_trends_follow_the_period(ledger: World, login: Any) -> None:
    data = _get(login("office"), "trends", date_from="2016-07-01", date_to="2016-08-31")
    assert data["categories"] == ["2016-07", "2016-08"]
    total = sum(row[-1] for row in data["table"]["rows"])
    assert total == _counted(date__range=("2016-07-01", "2016-08-31")).count() == 3


def test_kinds_equal_entries_and_person_times(ledger: World, login: Any) -> None:
    data = _get(login("office"), "kinds")
    rows = {row[0]: row[1:] for row in data["table"]["rows"]}
    for kind in ActivityKind:
        entries = _counted(kind=kind).count()
        if not entries:
            assert str(kind.label) not in rows
            continue
        persons = ActivityParticipant.objects.filter(activity__in=_counted(kind=kind)).count()
        assert rows[str(kind.label)] == [entries, persons]
    assert rows["专业人才帮难"] == [2, 3]
    assert dict(zip(data["categories"], data["series"][0]["data"], strict=True)) == {
        k: v[0] for k, v in rows.items()
    }


def test_regions_compare_prefectures_then_counties(ledger: World, login: Any) -> None:
    client = login("office")
    data = _get(client, "regions")
    assert data["title"] == "各市州比较"
    rows = {row[0]: row[1:] for row in data["table"]["rows"]}
    bijie_entries = _counted(village__code__startswith="5205").count()
    assert rows["毕节市"] == [1, bijie_entries, 25.0]  # 250,000 yuan = 25 万元
    assert rows["黔南布依族苗族自治州"] == [
        1,
        _counted(village__code__startswith="5227").count(),
        123.45,
    ]
    inside = _get(client, "regions", region="5205")
    assert inside["categories"] == ["织金县"]
    assert inside["table"]["rows"] == [["织金县", 1, bijie_entries, 25.0]]


def test_units_ranked_by_progress_against_targets(world: World, login: Any) -> None:
    for unit, kind, target in (
        (world.unit_a, PairingKind.BRANCH_VILLAGE, 2),
        (world.unit_a, PairingKind.SECRETARY_HOUSEHOLD, 2),
        (world.unit_b, PairingKind.BRANCH_VILLAGE, 1),
    ):
        AllocationTarget.objects.create(
            campaign=world.campaign, unit=unit, kind=kind, target=target
        )
    # A surplus in one kind does not make up for another: unit A has 1 of 2 villages.
    Pairing.objects.create(
        campaign=world.campaign,
        kind=PairingKind.SECRETARY_HOUSEHOLD,
        branch=world.branch_a,
        member=world.secretary_a,
        household=world.household_a,
        village=world.baoshan,
        start=datetime.date(2016, 4, 1),
    )
    data = _get(login("office"), "units", date_to="2016-12-31")
    assert data["table"]["rows"] == [
        [1, "贵州省档案局", 1, 1, 100.0],
        [2, "贵州省总工会", 4, 2, 50.0],
    ]
    assert data["categories"] == ["省档案局", "省总工会"]
    assert data["series"][0]["data"] == [100.0, 50.0]


@pytest.mark.parametrize("name", CHART_NAMES)
def test_a_unit_sees_only_its_own_data(ledger: World, login: Any, name: str) -> None:
    AllocationTarget.objects.create(
        campaign=ledger.campaign, unit=ledger.unit_b, kind=PairingKind.BRANCH_VILLAGE, target=1
    )
    AllocationTarget.objects.create(
        campaign=ledger.campaign, unit=ledger.unit_a, kind=PairingKind.BRANCH_VILLAGE, target=1
    )
    client = login("unit_a")
    text = json.dumps(_get(client, name), ensure_ascii=False)
    for foreign in ("档案局", "黔南", "政策和信息支持", "123.45"):
        assert foreign not in text
    # A crafted URL naming the other unit or its region is refused, not answered.
    for params in ({"unit": ledger.unit_b.pk}, {"region": "5227"}):
        response = client.get(reverse("dashboard:chart_data", args=[name]), params)
        assert response.status_code == 400
        assert "档案局" not in response.content.decode()


def test_a_region_viewer_sees_only_its_region(ledger: World, login: Any) -> None:
    client = login("viewer_bijie")
    regions = _get(client, "regions")
    assert regions["categories"] == ["毕节市"]
    kinds = _get(client, "kinds")
    assert "政策和信息支持" not in kinds["categories"]  # an entry in 黔南 only
    trends = _get(client, "trends")
    assert (
        sum(row[-1] for row in trends["table"]["rows"])
        == _counted(village__code__startswith="5205").count()
    )


def test_unknown_chart_is_404_and_anonymous_is_sent_to_log_in(world: World, client: Any) -> None:
    assert client.get(reverse("dashboard:chart_data", args=["trends"])).status_code == 302
    client.force_login(world.users["office"])
    assert client.get(reverse("dashboard:chart_data", args=["nope"])).status_code == 404


def test_charts_page_links_every_chart_with_the_slice(world: World, login: Any) -> None:
    response = login("office").get(reverse("dashboard:charts"), {"region": "5205"})
    html = response.content.decode()
    for name in CHART_NAMES:
        assert f'data-url="/dashboard/charts/{name}.json?region=5205"' in html
    assert "vendor/echarts-5.6.0/echarts.min.js" in html


def test_chart_queries_do_not_grow_with_the_records(ledger: World, login: Any) -> None:
    client = login("office")
    _get(client, "trends")  # warm up: session, user

    def queries() -> dict[str, int]:
        counts = {}
        for name in CHART_NAMES:
            with CaptureQueriesContext(connection) as ctx:
                _get(client, name)
            counts[name] = len(ctx.captured_queries)
        return counts

    before = queries()
    for n in range(30):
        _entry(ledger, ActivityKind.SERVICE_VISIT, datetime.date(2016, 10, 1 + n % 28))
        _entry(ledger, ActivityKind.FUNDS, datetime.date(2016, 11, 1 + n % 28), where="b")
    assert queries() == before
    # Request overhead (session, user, permissions, campaign) is under 10; each chart adds
    # one aggregate per measure.
    assert all(n <= 12 for n in before.values()), before


def test_autonomous_divisions_get_their_short_names_on_the_axis(ledger: World, login: Any) -> None:
    assert short_name("黔东南苗族侗族自治州") == "黔东南州"
    assert short_name("黔西南布依族苗族自治州") == "黔西南州"
    assert short_name("威宁彝族回族苗族自治县") == "威宁县"
    assert short_name("毕节市") == "毕节市"
    data = _get(login("office"), "regions")
    assert data["short_categories"] == ["毕节市", "黔南州"]
    assert data["categories"] == ["毕节市", "黔南布依族苗族自治州"]  # the table keeps the name


# --- In a real Chromium: charts drawn from the JSON, tables beside them, PNG export --------


def _log_in(page: Any, username: str) -> None:
    from bangfu.conftest import PASSWORD

    page.goto("/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(re.compile(r"/$"))


@pytest.mark.browser
def test_charts_draw_with_their_tables_and_export_png(page: Any, live_world: World) -> None:
    _log_in(page, "office")
    page.goto(reverse("dashboard:charts"))
    for name in CHART_NAMES:
        panel = page.get_by_test_id(f"chart-{name}")
        if name == "units":  # no targets in this world: the panel says so
            expect(panel).to_contain_text("本范围内暂无数据")
            continue
        expect(panel).to_have_attribute("data-ready", "1")
        assert panel.locator("canvas").count() >= 1
    kinds = page.get_by_test_id("chart-kinds")
    row = kinds.get_by_role("row", name=re.compile("党员服务"))
    expect(row).to_contain_text("2")
    # The toolbox offers "save as image"; the chart renders to a PNG.
    png = page.evaluate(
        """() => {
        const el = document.querySelector('[data-testid=chart-kinds] [data-chart]');
        const chart = echarts.getInstanceByDom(el);
        const saving = chart.getOption().toolbox[0].feature.saveAsImage;
        return saving ? chart.getDataURL({type: 'png'}) : '';
    }"""
    )
    assert png.startswith("data:image/png;base64,")


@pytest.mark.browser
def test_map_point_opens_its_village(page: Any, live_world: World) -> None:
    _log_in(page, "office")
    page.goto(reverse("dashboard:map"))
    panel = page.get_by_test_id("village-map")
    expect(panel).to_have_attribute("data-ready", "1")
    expect(panel.locator("[data-status-count=visited]")).to_have_text("2")
    data = page.request.get("/dashboard/map.json").json()  # the page's session; times out
    baoshan = next(v for v in data["villages"] if v[2] == "宝山村")
    x, y = page.evaluate(
        """([lng, lat]) => {
        const chart = echarts.getInstanceByDom(document.querySelector('[data-map-panel] [data-chart]'));
        return chart.convertToPixel({geoIndex: 0}, [lng, lat]);
    }""",
        [baoshan[3], baoshan[4]],
    )
    box = panel.locator("[data-chart]").bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)
    page.wait_for_url(re.compile(rf"/geo/regions/{baoshan[0]}/$"))
    expect(page.get_by_role("heading", name=re.compile("宝山村"))).to_be_visible()


@pytest.mark.browser
def test_phone_puts_the_table_below_the_chart(phone_page: Any, live_world: World) -> None:
    page = phone_page
    _log_in(page, "office")
    page.goto(reverse("dashboard:charts"))
    panel = page.get_by_test_id("chart-kinds")
    expect(panel).to_have_attribute("data-ready", "1")
    chart = panel.locator("[data-chart]").bounding_box()
    table = panel.locator("table").bounding_box()
    assert table["y"] >= chart["y"] + chart["height"]
    assert table["width"] <= 375
