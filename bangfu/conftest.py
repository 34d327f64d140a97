"""Shared fixtures: a small two-unit, two-prefecture world and a user for every role.

Unit A (省总工会) works in 宝山村 (毕节市织金县); unit B (省档案局) in 乐邦村 (黔南州贵定县).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from bangfu.accounts.choices import Role
from bangfu.accounts.models import User
from bangfu.campaigns.choices import PairingKind
from bangfu.campaigns.models import Campaign, Pairing
from bangfu.geo.models import Region
from bangfu.ledger.choices import ActivityKind, ReviewState
from bangfu.ledger.models import Activity
from bangfu.orgs.models import Branch, Member, Unit
from bangfu.registry import idnumber
from bangfu.registry.models import Household, Person

PASSWORD = "test-Passw0rd!"


def pytest_configure(config: Any) -> None:
    """Test-only settings, in one place."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.BANGFU_JOBS_INLINE = True  # background jobs run in the test's own process
    # The test server speaks plain HTTP (production settings redirect to HTTPS).
    settings.SECURE_SSL_REDIRECT = False
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    settings.SECURE_HSTS_SECONDS = 0


@pytest.fixture(autouse=True)
def _media_in_tmp(settings: Any, tmp_path: Any) -> None:
    """Uploads and generated files of a test go to its own temporary folder."""
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _chinese() -> Any:
    """Every test starts in Chinese: a request in English must not leak into the next test."""
    from django.utils import translation

    with translation.override("zh-hans"):
        yield


@dataclass
class World:
    province: Region
    bijie: Region
    qiannan: Region
    baoshan: Region
    lebang: Region
    unit_a: Unit
    unit_b: Unit
    branch_a: Branch
    branch_b: Branch
    secretary_a: Member
    secretary_b: Member
    member_a: Member
    campaign: Campaign
    pairing_a: Pairing
    pairing_b: Pairing
    household_a: Household
    household_b: Household
    person_a: Person
    activity_a: Activity
    activity_b: Activity
    users: dict[str, User]


def _chain(codes_names: list[tuple[str, str, str]]) -> list[Region]:
    parent, out = None, []
    for code, level, name in codes_names:
        region, _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "parent": parent}
        )
        out.append(region)
        parent = region
    return out


def make_household(village: Region, number: str, head: str, seq: int) -> tuple[Household, Person]:
    household = Household.objects.create(
        village=village,
        number=number,
        attribute="general",
        identified_year=2014,
        main_cause="illness",
    )
    id_number = idnumber.make(village.code[:6], datetime.date(1970, 5, 1), seq, "M")
    person = Person(household=household, name=head, relation="head", id_number=id_number)
    person.full_clean()
    person.save()
    return household, person


@pytest.fixture
def world(db: Any) -> World:
    province, bijie, _zhijin, _xiong, baoshan = _chain(
        [
            ("520000000000", "province", "贵州省"),
            ("520500000000", "prefecture", "毕节市"),
            ("520524000000", "county", "织金县"),
            ("520524116000", "township", "熊家场镇"),
            ("520524116214", "village", "宝山村"),
        ]
    )
    _p, qiannan, _guiding, _xinba, lebang = _chain(
        [
            ("520000000000", "province", "贵州省"),
            ("522700000000", "prefecture", "黔南布依族苗族自治州"),
            ("522723000000", "county", "贵定县"),
            ("522723102000", "township", "新巴镇"),
            ("522723102200", "village", "乐邦村"),
        ]
    )
    unit_a = Unit.objects.create(name="贵州省总工会", short_name="省总工会")
    unit_b = Unit.objects.create(name="贵州省档案局", short_name="省档案局")
    branch_a = Branch.objects.create(unit=unit_a, name="第五党支部")
    branch_b = Branch.objects.create(unit=unit_b, name="第一党支部")
    secretary_a = Member.objects.create(branch=branch_a, name="王书记", is_secretary=True)
    secretary_b = Member.objects.create(branch=branch_b, name="陆曙光", is_secretary=True)
    member_a = Member.objects.create(branch=branch_a, name="李党员")
    campaign = Campaign.objects.create(
        name="2016年五千行动",
        year=2016,
        start=datetime.date(2016, 3, 1),
        end=datetime.date(2016, 12, 31),
    )
    start = datetime.date(2016, 4, 1)
    pairing_a = Pairing.objects.create(
        campaign=campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=branch_a,
        village=baoshan,
        start=start,
    )
    pairing_b = Pairing.objects.create(
        campaign=campaign,
        kind=PairingKind.BRANCH_VILLAGE,
        branch=branch_b,
        village=lebang,
        start=start,
    )
    household_a, person_a = make_household(baoshan, "5205241162140001", "张龙", 1)
    household_b, _pb = make_household(lebang, "5227231022000001", "罗明", 2)
    activity_a = Activity.objects.create(
        campaign=campaign,
        kind=ActivityKind.SERVICE_VISIT,
        date=datetime.date(2016, 5, 1),
        village=baoshan,
        unit=unit_a,
        branch=branch_a,
        summary="走访",
        state=ReviewState.ACCEPTED,
    )
    activity_a.participations.create(member=member_a)
    activity_b = Activity.objects.create(
        campaign=campaign,
        kind=ActivityKind.SERVICE_VISIT,
        date=datetime.date(2016, 5, 2),
        village=lebang,
        unit=unit_b,
        branch=branch_b,
        summary="走访",
        state=ReviewState.ACCEPTED,
    )
    activity_b.participations.create(member=secretary_b)
    users = {
        "office": User(username="office", role=Role.OFFICE),
        "unit_a": User(username="unit_a", role=Role.UNIT_ADMIN, unit=unit_a),
        "unit_b": User(username="unit_b", role=Role.UNIT_ADMIN, unit=unit_b),
        "branch_a": User(username="branch_a", role=Role.BRANCH_SECRETARY, branch=branch_a),
        "village_a": User(username="village_a", role=Role.VILLAGE_TEAM, region=baoshan),
        "member_a": User(username="member_a", role=Role.MEMBER, member=member_a),
        "viewer_bijie": User(username="viewer_bijie", role=Role.VIEWER, region=bijie),
        "viewer": User(username="viewer", role=Role.VIEWER, region=province),
    }
    for user in users.values():
        user.set_password(PASSWORD)
        user.full_clean()
        user.save()
    return World(
        province=province,
        bijie=bijie,
        qiannan=qiannan,
        baoshan=baoshan,
        lebang=lebang,
        unit_a=unit_a,
        unit_b=unit_b,
        branch_a=branch_a,
        branch_b=branch_b,
        secretary_a=secretary_a,
        secretary_b=secretary_b,
        member_a=member_a,
        campaign=campaign,
        pairing_a=pairing_a,
        pairing_b=pairing_b,
        household_a=household_a,
        household_b=household_b,
        person_a=person_a,
        activity_a=activity_a,
        activity_b=activity_b,
        users=users,
    )


@pytest.fixture
def login(client: Any, world: World) -> Any:
    """Log the test client in as one of the world's users: login("unit_a")."""

    def _login(name: str) -> Any:
        client.force_login(world.users[name])
        return client

    return _login


# --- Browser tests: a real Chromium driven by Playwright (marker `browser`) -----------------

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str:
    import os
    import shutil

    return (
        os.environ.get("BANGFU_CHROMIUM")
        or shutil.which("chromium")
        or shutil.which("chromium-browser")
        or ""
    )


@pytest.fixture(scope="session")
def browser() -> Any:
    """Debian's Chromium under Playwright; `make test` leaves these tests out without it."""
    import os

    from playwright.sync_api import sync_playwright

    path = chromium_path()
    if not path:
        raise RuntimeError("No Chromium: install Debian's chromium or run pytest -m 'not browser'")
    # Playwright runs an event loop in this thread; Django's ORM calls from the test are safe.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _new_page(browser: Any, live_server: Any, **options: Any) -> Any:
    context = browser.new_context(locale="zh-CN", base_url=live_server.url, **options)
    return context, context.new_page()


@pytest.fixture
def page(browser: Any, live_server: Any) -> Any:
    """A fresh browser page at desktop size, pointed at the live server."""
    context, page = _new_page(browser, live_server, viewport={"width": 1280, "height": 900})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser: Any, live_server: Any) -> Any:
    """A 375-px-wide phone page."""
    context, page = _new_page(
        browser,
        live_server,
        viewport={"width": 375, "height": 812},
        is_mobile=True,
        has_touch=True,
        device_scale_factor=2,
    )
    yield page
    context.close()


def _serial_live_server() -> None:
    """The live server answers one request at a time. On the in-memory SQLite test database
    every server thread shares the test's one connection, and a page that fires requests in
    parallel (the 待办 badge, chart data) would use it from two threads at once and hang."""
    import threading

    from django.core.servers.basehttp import ThreadedWSGIServer
    from django.test.testcases import LiveServerThread

    lock = threading.Lock()

    class SerialWSGIServer(ThreadedWSGIServer):
        def set_app(self, application: Any) -> None:
            def serial(environ: dict, start_response: Any) -> list[bytes]:
                with lock:
                    result = application(environ, start_response)
                    try:
                        return list(result)  # streamed bodies read the database too
                    finally:
                        if hasattr(result, "close"):
                            result.close()

            super().set_app(serial)

    LiveServerThread.server_class = SerialWSGIServer


_serial_live_server()


@pytest.fixture
def live_world(transactional_db: Any, request: Any) -> World:
    """The world fixture's data, committed so the live server's thread can see it."""
    return request.getfixturevalue("world")
