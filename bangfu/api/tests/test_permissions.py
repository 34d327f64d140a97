"""The API's permission matrix: every role × every endpoint × objects in and out of scope.

Endpoints come from the API's router, and a second test checks that every URL the API serves
is either one of those or named here, so a new endpoint cannot be left out. The expected
answer for an object is the pages' answer: the API shows what the object's page shows (else
404), and lets a user change what the page's edit form opens for (else 403).
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from bangfu.api.permissions import perm
from bangfu.api.urls import router
from bangfu.api.views import ResourceViewSet
from bangfu.campaigns.models import AllocationTarget
from bangfu.geo.models import VillageYear
from bangfu.ledger.models import Problem, Project, ProjectFunding, ProjectMilestone
from bangfu.orgs.models import ResidentTeam
from bangfu.registry.models import HouseholdIncome

# API URLs that are not a resource: checked by their own tests (test_tokens, test_api).
NOT_RESOURCES = {
    "api:api-root",
    "api:schema",
    "api:docs",
    "api:tokens",
    "api:token_revoke",
    "api:token-list",
    "api:token-detail",
    "api:swagger-ui-init",
}


def _resource_routes() -> list[tuple[str, type[ResourceViewSet]]]:
    return [
        (prefix, viewset)
        for prefix, viewset, _basename in router.registry
        if issubclass(viewset, ResourceViewSet)
    ]


def _names(patterns: list, namespace: str = "") -> set[str]:
    names = set()
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = f"{namespace}{p.namespace}:" if p.namespace else namespace
            names |= _names(p.url_patterns, ns)
        elif isinstance(p, URLPattern) and p.name:
            names.add(f"{namespace}{p.name}")
    return names


def test_every_api_url_is_in_the_matrix() -> None:
    served = {n for n in _names(get_resolver().url_patterns) if n.startswith("api:")}
    covered = set(NOT_RESOURCES)
    for _prefix, viewset in _resource_routes():
        base = viewset.resource.basename
        covered |= {f"api:{base}-list", f"api:{base}-detail", f"api:{base}-bulk"}
    assert served - covered == set(), "add the new API URL to the matrix"
    assert len(_resource_routes()) >= 17


@pytest.fixture
def full_world(world: Any) -> Any:
    """The world plus one object of every kind the API serves, for each of the two units."""
    sides = [
        (world.unit_a, world.branch_a, world.baoshan, world.household_a, world.secretary_a),
        (world.unit_b, world.branch_b, world.lebang, world.household_b, world.secretary_b),
    ]
    for unit, branch, village, household, secretary in sides:
        VillageYear.objects.create(village=village, year=2016)
        ResidentTeam.objects.create(
            unit=unit, village=village, first_secretary=secretary, start=datetime.date(2016, 1, 1)
        )
        HouseholdIncome.objects.create(household=household, year=2016)
        AllocationTarget.objects.create(
            campaign=world.campaign, unit=unit, kind="branch_village", target=1
        )
        common = {"campaign": world.campaign, "village": village, "unit": unit, "branch": branch}
        Problem.objects.create(
            **common, category="other", title="路灯", raised_on=datetime.date(2016, 5, 1)
        )
        project = Project.objects.create(
            **common,
            name="养牛",
            date=datetime.date(2016, 5, 1),
            origin="planned",
            sector="other",
        )
        ProjectFunding.objects.create(project=project, source="other", amount=1000)
        ProjectMilestone.objects.create(
            project=project, title="建圈", due=datetime.date(2016, 6, 1)
        )
    return world


def _objects(model: Any, world: Any) -> list[Any]:
    if model._meta.label == "geo.Region":
        return [world.baoshan, world.lebang, world.bijie]
    return list(model.objects.order_by("pk")[:6])


def _page_answer(client: Any, obj: Any, user: Any, action: str) -> bool | None:
    """Whether the object's page (detail, or edit form) opens for the user; None: no page."""
    try:
        url = obj.get_absolute_url()
        if action == "change":
            meta = obj._meta
            from django.urls import reverse

            url = reverse(f"{meta.app_label}:{meta.model_name}_edit", args=[obj.pk])
    except (NoReverseMatch, AttributeError):
        return None
    if url.endswith("/full/"):  # a file, not a page
        return None
    status = client.get(url).status_code
    assert status in (200, 404), f"{url} as {user}: {status}"
    return status == 200


def _scope_answer(model: Any, obj: Any, user: Any, action: str) -> bool:
    return model.objects.restrict(user, action).filter(pk=obj.pk).exists()


@pytest.mark.parametrize(
    "role", ["office", "unit_a", "branch_a", "village_a", "member_a", "viewer_bijie"]
)
def test_permission_matrix(role: str, full_world: Any, client: Any) -> None:
    world = full_world
    user = world.users[role]
    client.force_login(user)
    api = APIClient()
    api.force_authenticate(user)
    anonymous = APIClient()
    seen = {"200": 0, "404": 0}
    for prefix, viewset in _resource_routes():
        model = viewset.resource.model
        may_view = user.has_perm(perm(model, "view"))
        list_url = f"/api/v1/{prefix}/"
        assert anonymous.get(list_url).status_code == 401, list_url
        assert api.get(list_url).status_code == (200 if may_view else 403), (role, list_url)
        for obj in _objects(model, world):
            url = f"{list_url}{obj.pk}/"
            page = _page_answer(client, obj, user, "view")
            visible = page if page is not None else _scope_answer(model, obj, user, "view")
            expected = 200 if visible else (404 if may_view else 403)
            assert api.get(url).status_code == expected, (role, url)
            seen["200" if visible else "404"] += 1
            if not viewset.resource.writable:
                status = api.patch(url, {}, format="json").status_code
                assert status == (405 if user.has_perm(perm(model, "change")) else 403), url
                continue
            editable = _page_answer(client, obj, user, "change")
            if editable is None:
                editable = _scope_answer(model, obj, user, "change")
            status = api.patch(url, {}, format="json").status_code
            if not user.has_perm(perm(model, "change")):
                assert status == 403, (role, url, status)
            elif not visible:
                assert status == (404 if may_view else 403), (role, url, status)
            elif editable:
                assert status in (200, 400), (role, url, status)  # allowed; the form decides
            else:
                assert status == 403, (role, url, status)
        if viewset.resource.writable:
            status = api.post(list_url, {}, format="json").status_code
            expected_post = 400 if user.has_perm(perm(model, "add")) else 403
            assert status == expected_post, (role, list_url, status)
        else:
            status = api.post(list_url, {}, format="json").status_code
            assert status == (405 if user.has_perm(perm(model, "add")) else 403), list_url
        assert api.delete(f"{list_url}1/").status_code in (403, 405), list_url
    if role != "office":  # every scoped role meets both answers somewhere
        assert seen["200"] and seen["404"], seen
