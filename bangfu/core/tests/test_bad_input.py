"""Bad input is a clear answer, never a server error: every page's and API list's query
parameters (page, page size, ids, dates, choices, huge and negative numbers, text) as each
role. The parameters a page knows are read from the page itself (every field name its HTML
carries), its filterset and a list of the common ones, so a new page or filter is fuzzed by
being there."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bangfu.core.tables import PAGE_SIZES
from bangfu.core.tests.test_permissions import ROLES, pages, url_for
from bangfu.core.views import ObjectListView
from bangfu.dashboard.charts import CHARTS

HUGE = "99999999999999999999"
COMMON = (
    "page",
    "per_page",
    "page_size",
    "sort",
    "ordering",
    "campaign",
    "unit",
    "branch",
    "region",
    "village",
    "year",
    "month",
    "q",
    "date_from",
    "date_to",
    "kind",
    "state",
    "id",
)
# Each of these goes into every parameter of every page at once.
SWEEP = ("-1", "0", HUGE, "-" + HUGE, "abc", "9999-12-31", "0001-01-01", "2016-02-30", "1e309")
VALUES = st.one_of(
    st.sampled_from(
        [*SWEEP, "", "nan", "inf", "1.5", " 7", "١٢", "\x00", "%", "'", "a" * 3000, "1,2", "[]"]
    ),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(lambda d: d.isoformat()),
    st.text(max_size=20),
)
EXAMPLES = 3  # per page and role: the sweep above does the systematic part


def known_parameters(page: Any, html: str) -> list[str]:
    names = set(COMMON)
    names |= set(re.findall(r'name="([^"]+)"', html))
    filterset = getattr(page.view_class, "filterset_class", None)
    if filterset is not None:
        names |= set(filterset.base_filters)
    names -= {"csrfmiddlewaretoken", "_export"}
    return sorted(n for n in names if len(n) < 40)


def api_lists() -> list[tuple[str, list[str]]]:
    from bangfu.api.resources import RESOURCES

    found = []
    for resource in RESOURCES:
        url = reverse(f"api:{resource.basename}-list")
        filterset = resource.filterset_class
        names = set(COMMON) | set(getattr(filterset, "base_filters", {}))
        names |= set(resource.filterset_fields)
        found.append((url, sorted(names)))
    return found


def _targets(client: Any, world: Any) -> list[tuple[str, list[str]]]:
    """Every GET page of the URL configuration (and API list) with the parameters it knows."""
    targets = []
    for page in pages():
        if page.name == "accounts:reveal":
            continue  # POST only
        url = url_for(page, world)
        response = client.get(url)
        assert response.status_code < 500, (page.name, response.status_code)
        html = ""
        if response.get("Content-Type", "").startswith("text/html"):
            html = response.content.decode()
        targets.append((url, known_parameters(page, html)))
    charts = [(reverse("dashboard:chart_data", args=[c]), list(COMMON)) for c in CHARTS]
    return targets + charts + api_lists()


def _no_server_error(client: Any, url: str, query: dict[str, Any]) -> None:
    # The test client raises a view's exception: a failure names it and the query.
    response = client.get(url, query)
    assert response.status_code < 500, (url, query, response.status_code)


@pytest.mark.django_db
@pytest.mark.timeout(600)
@pytest.mark.parametrize("role", ROLES)
def test_no_query_parameter_makes_a_server_error(login, world, role):
    client = login(role)
    targets = _targets(client, world)
    assert len(targets) > 100
    if role == "office":  # who reaches every page: each hostile value in every parameter
        for url, names in targets:
            for value in SWEEP:
                _no_server_error(client, url, dict.fromkeys(names, value))

    for url, names in targets:
        _fuzz(client, url, names)()


def _fuzz(client: Any, url: str, names: list[str]) -> Any:
    """A few hypothesis examples of the page's parameters with hostile values."""

    @hypothesis_settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.dictionaries(st.sampled_from(names), VALUES, min_size=1, max_size=5))
    def fuzz(query: dict[str, str]) -> None:
        _no_server_error(client, url, query)

    return fuzz


# --- the server errors found by hand, each named ------------------------------------------


def list_pages() -> list[Any]:
    return [p for p in pages() if p.is_generic(ObjectListView) and not p.kwargs]


@pytest.mark.django_db
@pytest.mark.parametrize("size", ["-1", "0", "1000000", "abc", HUGE])
def test_a_list_page_keeps_its_page_size_whatever_is_asked(login, world, size):
    client = login("office")
    urls = [reverse(p.name) for p in list_pages()]
    urls += [reverse("dashboard:figure", args=["units"]), reverse("ledger:review")]
    assert len(urls) > 7
    for url in urls:
        for page in ("-1", HUGE, "abc", "2"):
            response = client.get(url, {"per_page": size, "page": page})
            assert response.status_code == 200, (url, size, page)
            table = response.context["table"]
            assert table.paginator.per_page in PAGE_SIZES, (url, size)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    [
        "dashboard:index",
        "dashboard:charts",
        "dashboard:map",
        "dashboard:map_data",
        "dashboard:bulletin",
    ],
)
def test_the_dashboard_answers_a_huge_id_or_a_date_past_the_calendar(login, world, name):
    client = login("office")
    for query in (
        {"unit": HUGE},
        {"branch": HUGE, "unit": world.unit_a.pk},
        {"campaign": HUGE},
        {"date_from": "9999-12-31", "date_to": "9999-12-31"},
    ):
        response = client.get(reverse(name), query)
        assert response.status_code in (200, 400), (name, query, response.status_code)
    for chart in CHARTS:
        url = reverse("dashboard:chart_data", args=[chart])
        for query in ({"unit": HUGE}, {"date_to": "9999-12-31"}, {"campaign": "abc"}):
            response = client.get(url, query)
            assert response.status_code == 400, (chart, query, response.status_code)
            assert response.json()["errors"]


@pytest.mark.django_db
def test_progress_answers_a_campaign_that_is_not_a_number(login, world):
    client = login("office")
    for campaign in ("abc", HUGE, "-1", "1.5"):
        response = client.get(reverse("campaigns:progress"), {"campaign": campaign})
        assert response.status_code == 200, campaign
        assert response.context["campaign"] == world.campaign
