"""Masks that cannot be combined away: a user without the personal-data right fetches
everything they can reach about people, and an attacker's program tries to rebuild each ID
number, phone and bank account from it. None may be rebuilt.

What is fetched comes from registries, so a new page, export, layout, API route, figure or
search box is covered by being declared: every URL of the URL configuration (plain, and as each
export format), every in-scope object's detail page and API record, every layout's import page
and template, every drill-down figure, every search box, and every link and htmx address those
pages carry (one step deep).

The attacker: every masked form of a secret seen anywhere (page, .xlsx, .csv, .pdf, .docx,
JSON) shows some of its characters; all of them together, plus the birth date wherever one is
shown, must still leave the secret ambiguous. An ID number with one digit unknown is rebuilt by
its check digit; with its birth date unknown, it is rebuilt when only one date fits the check
digit and what is shown of the date.
"""

from __future__ import annotations

import datetime
import io
import itertools
import re
import shutil
import subprocess
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.urls import NoReverseMatch, reverse

from bangfu.coops import services
from bangfu.coops.models import Cooperative, ReliefFund
from bangfu.core.tests.test_permissions import SAMPLES, pages, url_for
from bangfu.core.views import ObjectListView
from bangfu.orgs.models import Member
from bangfu.registry import idnumber
from bangfu.registry.models import Household, Person

ROLES_WITHOUT_THE_RIGHT = ["viewer", "unit_a", "branch_a", "village_a", "member_a"]
EXPORT_FORMATS = ("xlsx", "csv", "pdf", "docx")  # for addresses that take a format
SKIP_PATHS = ("/logout/", "/admin/", "/i18n/", "/static/", "/accounts/reveal/")
MAX_FETCHES = 900  # per role: a runaway crawl fails loudly instead of running for an hour

# --- What the attacker reads ---------------------------------------------------------------


def _text_of(response: Any) -> str:
    """A response as text, whatever its format."""
    if getattr(response, "streaming", False):
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    kind = response.get("Content-Type", "")
    if "spreadsheetml" in kind or (body[:2] == b"PK" and b"xl/" in body[:2000]):
        return _xlsx_text(body)
    if "wordprocessingml" in kind or body[:2] == b"PK":
        return _zip_xml_text(body)
    if "pdf" in kind or body[:4] == b"%PDF":
        return _pdf_text(body)
    if kind.startswith("image/"):
        return ""
    return body.decode("utf-8-sig", errors="replace")


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, datetime.datetime | datetime.date):
                    cells.append(value.isoformat())
                elif value is not None:
                    cells.append(str(value))
    return "\t".join(cells)


def _zip_xml_text(body: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        parts = [z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml")]
    return re.sub(r"<[^>]+>", " ", " ".join(parts))


def _pdf_text(body: bytes) -> str:
    tool = shutil.which("pdftotext")
    if tool is None:  # without poppler, the raw bytes (text drawn uncompressed still shows)
        return body.decode("latin-1")
    done = subprocess.run([tool, "-", "-"], input=body, capture_output=True, check=True)
    return done.stdout.decode("utf-8", "replace")


@dataclass
class Harvest:
    """Everything one user fetched: URL → text."""

    texts: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, int] = field(default_factory=dict)

    def all_text(self) -> str:
        return "\n".join(self.texts.values())


LINK = re.compile(r'(?:href|hx-get|data-url|src)="([/?][^"#]*)"')


def _fetch(client: Any, url: str, harvest: Harvest) -> str:
    if url in harvest.statuses:
        return ""
    assert len(harvest.statuses) < MAX_FETCHES, "the crawl ran away"
    response = client.get(url)
    harvest.statuses[url] = response.status_code
    if response.status_code != 200:
        return ""
    text = _text_of(response)
    harvest.texts[url] = text
    return text


def _seed_urls(world: Any, user: Any) -> Iterator[str]:
    """Every address the registries declare, with objects in the user's scope."""
    from django.apps import apps

    from bangfu.api.urls import router
    from bangfu.core.imports import Layout
    from bangfu.dashboard.figures import BY_KEY

    for page in pages():
        if page.name in ("accounts:reveal",) or page.route.startswith("admin/"):
            continue
        variants = [{}]
        if "key" in page.kwargs and page.name.startswith("core:"):
            variants = [{"key": key} for key in Layout.registry]
        elif page.name == "dashboard:figure":
            variants = [{"key": key} for key in BY_KEY]
        elif "fmt" in page.kwargs:
            variants = [{"fmt": fmt} for fmt in EXPORT_FORMATS]
        elif page.name == "core:search":
            variants = [
                {"model_label": m._meta.label_lower}
                for m in apps.get_models()
                if hasattr(m, "search")
            ]
        for variant in variants:
            saved = {k: SAMPLES.get(k) for k in variant}
            SAMPLES.update(variant)
            try:
                objects = [None]
                if page.kwargs == ("pk",) and page.model is not None:
                    model = page.model
                    if hasattr(model.objects, "restrict"):
                        objects += list(model.objects.restrict(user, "view").order_by("pk")[:3])
                for obj in objects:
                    try:
                        url = url_for(page, world, obj)
                    except NoReverseMatch:
                        continue
                    yield url
                    if page.is_generic(ObjectListView):
                        yield f"{url}?_export=xlsx"
                        yield f"{url}?_export=csv"
                    if page.name == "core:search":
                        yield f"{url}?q=1"
                        yield f"{url}?q=5"
            finally:
                for k, v in saved.items():
                    if v is None:
                        SAMPLES.pop(k, None)
                    else:
                        SAMPLES[k] = v
    for _prefix, viewset, basename in router.registry:
        try:
            yield reverse(f"api:{basename}-list")
        except NoReverseMatch:
            continue
        model = getattr(getattr(viewset, "resource", None), "model", None)
        if model is not None and hasattr(model.objects, "restrict"):
            for obj in model.objects.restrict(user, "view").order_by("pk")[:10]:
                yield reverse(f"api:{basename}-detail", args=[obj.pk])


def harvest_as(client: Any, world: Any, user: Any) -> Harvest:
    """Fetch every declared address, then the links those pages carry (one step): each
    address not yet fetched, and each export; other query variations (pages, sorting) are
    the same records again."""
    harvest = Harvest()
    found: list[str] = []
    for url in _seed_urls(world, user):
        text = _fetch(client, url, harvest)
        for link in LINK.findall(text.replace("&amp;", "&")):
            found.append(url.split("?")[0] + link if link.startswith("?") else link)
    fetched_paths = {u.split("?")[0] for u in harvest.statuses}
    for url in dict.fromkeys(found):
        if url.startswith(SKIP_PATHS):
            continue
        if url.split("?")[0] not in fetched_paths or "_export=" in url:
            fetched_paths.add(url.split("?")[0])
            _fetch(client, url, harvest)
    return harvest


# --- The attacker ---------------------------------------------------------------------------

_GLUE = re.compile(r"(?<=[0-9*Xx])[\s\-](?=[0-9*Xx])")
_TOKEN = re.compile(r"[0-9Xx*]{4,}")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")


def _tokens(text: str) -> set[str]:
    return set(_TOKEN.findall(_GLUE.sub("", text)))


def _dates(text: str) -> set[datetime.date]:
    found = set()
    for y, m, d in _DATE.findall(text):
        try:
            found.add(datetime.date(int(y), int(m), int(d)))
        except ValueError:
            pass
    return found


def revealed_positions(secret: str, tokens: set[str]) -> set[int]:
    """Positions of `secret` that some token shows (a token of its length agreeing with it on
    every shown character); a token equal to the secret shows it all."""
    n = len(secret)
    shown: set[int] = set()
    for token in tokens:
        for start in range(len(token) - n + 1):
            window = token[start : start + n]
            positions = {i for i, c in enumerate(window) if c != "*"}
            if positions and all(window[i].upper() == secret[i].upper() for i in positions):
                # A run of digits with no mask is only the secret if it is the whole secret.
                if "*" in window or window.upper() == secret.upper():
                    shown |= positions
    return shown


def id_candidates(secret: str, shown: set[int], dates: set[datetime.date]) -> int:
    """How many ID numbers fit what is shown: the check digit must hold, the birth date
    must be a real date (and one of `dates` when the holder's date is among them)."""
    birth = idnumber.parse(secret).birth_date
    if birth in dates:
        shown = shown | set(range(6, 14))
    hidden_outside_date = [i for i in range(18) if i not in shown and not 6 <= i < 14]
    if len(hidden_outside_date) >= 2:
        return 100  # ten or more whatever the date
    from stdnum.cn import ric

    count = 0
    day = datetime.date(1880, 1, 1)
    today = datetime.date.today()
    while day <= today:
        digits = day.strftime("%Y%m%d")
        if all(digits[i - 6] == secret[i] for i in shown if 6 <= i < 14):
            for fill in itertools.product("0123456789", repeat=len(hidden_outside_date)):
                chars = list(secret)
                chars[6:14] = digits
                for i, d in zip(hidden_outside_date, fill, strict=True):
                    chars[i] = d
                if 17 in hidden_outside_date:
                    chars[17] = ric.calc_check_digit("".join(chars[:17]) + "0")
                if ric.calc_check_digit("".join(chars[:17]) + "0") == chars[17]:
                    count += 1
                    if count > 1:
                        return count
        day += datetime.timedelta(days=1)
    return count


@dataclass
class Secret:
    kind: str  # "id", "phone", "account"
    value: str
    owner: str


def secrets() -> list[Secret]:
    out = [Secret("id", p.id_number, p.name) for p in Person.objects.exclude(id_number="")]
    for h in Household.objects.all():
        if h.phone:
            out.append(Secret("phone", h.phone, str(h)))
        if h.bank_account:
            out.append(Secret("account", h.bank_account, str(h)))
    out += [Secret("phone", m.phone, m.name) for m in Member.objects.exclude(phone="")]
    out += [
        Secret("phone", c.contact_phone, c.name)
        for c in Cooperative.objects.exclude(contact_phone="")
    ]
    return out


def rebuilt(harvest: Harvest) -> list[tuple[str, str, str]]:
    """The secrets an attacker rebuilds from the harvest, with where the last piece came from."""
    text = harvest.all_text()
    tokens = _tokens(text)
    dates = _dates(text) | _dates(
        " ".join(f"{t[:4]}-{t[4:6]}-{t[6:]}" for t in tokens if len(t) == 8)
    )
    out = []
    for secret in secrets():
        shown = revealed_positions(secret.value, tokens)
        hidden = len(secret.value) - len(shown)
        if secret.kind == "id":
            broken = id_candidates(secret.value, shown, dates) == 1
        elif secret.kind == "account":
            broken = hidden <= 1  # the Luhn digit gives one missing digit back
        else:
            broken = hidden == 0
        if broken:
            where = [u for u, t in harvest.texts.items() if secret.value in _GLUE.sub("", t)]
            out.append((secret.kind, secret.owner, where[0] if where else "combined"))
    return out


def allowed_positions(secret: Secret) -> set[int]:
    """What the conventions show: an ID's first six and last four, a mobile's first three and
    last four (a shorter phone its last four), an account's last four."""
    n = len(secret.value)
    if secret.kind == "id":
        return {*range(6), *range(n - 4, n)}
    if secret.kind == "phone" and n >= 11:
        return {*range(3), *range(n - 4, n)}
    return set(range(n - 4, n))


def overexposed(harvest: Harvest) -> list[tuple[str, str]]:
    """Secrets of which something shows more than its mask's convention allows."""
    tokens = _tokens(harvest.all_text())
    return [
        (secret.kind, secret.owner)
        for secret in secrets()
        if not revealed_positions(secret.value, tokens) <= allowed_positions(secret)
    ]


# --- The world with secrets -----------------------------------------------------------------


@pytest.fixture
def secret_world(world: Any) -> Any:
    """Phones and accounts on every household and member, a second person with a birthday
    that appears nowhere else, and a change history that names them."""
    household = world.household_a
    household.phone = "13812345678"
    household.bank_account = "6222021234567890123"
    household.save()
    world.household_b.phone = "13987654321"
    world.household_b.bank_account = "6217001234567894"
    world.household_b.save()
    child = Person(
        household=household,
        name="张小龙",
        relation="daughter",
        id_number=idnumber.make("520524", datetime.date(1996, 11, 23), 7, "F"),
    )
    child.full_clean()
    child.save()
    coop = Cooperative.objects.create(
        name="养蜂合作社", village=world.baoshan, sector="breeding", contact_phone="13600001111"
    )
    fund = ReliefFund.objects.create(
        coop=coop, name="扶贫资金", source="fiscal", year=2016, amount=Decimal("1000")
    )
    services.grant_shares(fund, [household], 100, datetime.date(2016, 6, 1))
    for i, member in enumerate(Member.objects.order_by("pk")):
        member.phone = f"1591234{i:04d}"
        member.save()
    household.phone = "13812349999"  # a change: the history shows before and after
    household.save()
    world.person_a.name = "张龙龙"
    world.person_a.save()
    return world


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES_WITHOUT_THE_RIGHT)
def test_nothing_a_role_without_the_right_fetches_rebuilds_a_secret(client, secret_world, role):
    user = secret_world.users[role]
    assert not user.has_perm("registry.view_personal_data")
    client.force_login(user)
    harvest = harvest_as(client, secret_world, user)
    assert len(harvest.texts) > 100, "the crawl reached the pages"
    assert rebuilt(harvest) == []
    assert overexposed(harvest) == []
    # The attacker had material: the masks themselves, where the role may see people.
    if user.has_perm("registry.view_person"):
        text = _GLUE.sub("", harvest.all_text())
        assert secret_world.person_a.id_number[:6] + "********" in text


@pytest.mark.django_db
def test_the_attacker_rebuilds_what_the_office_may_see(client, secret_world):
    """The same harvest as the office (who holds the right) rebuilds: the attacker works."""
    office = secret_world.users["office"]
    client.force_login(office)
    harvest = Harvest()
    _fetch(client, reverse("registry:household_list") + "?_export=csv", harvest)
    _fetch(client, reverse("orgs:member_list") + "?_export=xlsx", harvest)
    found = {(kind, owner) for kind, owner, _where in rebuilt(harvest)}
    assert ("id", "张小龙") in found
    assert ("phone", str(secret_world.household_a)) in found
    assert ("account", str(secret_world.household_a)) in found
    _fetch(client, reverse("api:coops-cooperative-list"), harvest)
    assert ("phone", "养蜂合作社") in {(kind, owner) for kind, owner, _w in rebuilt(harvest)}


def test_the_attacker_combines_masks_and_dates() -> None:
    number = idnumber.make("520524", datetime.date(1996, 11, 23), 7, "F")
    masked = number[:6] + "*" * 8 + number[-4:]
    shown = revealed_positions(number, _tokens(f"<td>{masked}</td>"))
    assert id_candidates(number, shown, set()) > 1
    assert id_candidates(number, shown, _dates("出生日期 1996-11-23")) == 1
    assert id_candidates(number, shown, _dates("1996年11月23日")) == 1
    assert id_candidates(number, shown | set(range(6, 10)), set()) > 1  # the year shown
    # Two masks showing different halves rebuild the number.
    other = _tokens(number[:14] + "****")
    assert id_candidates(number, shown | revealed_positions(number, other), set()) == 1
    assert revealed_positions("13812345678", _tokens("138-1234-5678")) == set(range(11))
