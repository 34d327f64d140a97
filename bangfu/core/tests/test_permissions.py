"""Permission matrix for the pages: every role (and anonymous) × every page of the URL
configuration, with an object in and out of the user's scope. A new page joins by itself; one
whose URL arguments this test cannot fill fails here until SAMPLES learns them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from bangfu.accounts.choices import Role
from bangfu.core.views import ObjectCreateView, ObjectDetailView, ObjectListView, ObjectUpdateView

SKIP_PREFIXES = ("admin/", "api/", "i18n/", "login/", "logout/")


@dataclass
class Page:
    route: str
    name: str
    callback: Any
    kwargs: tuple[str, ...]

    @property
    def view_class(self) -> Any:
        return getattr(self.callback, "view_class", None)

    @property
    def model(self) -> Any:
        queryset = getattr(self.view_class, "queryset", None)
        return queryset.model if queryset is not None else None

    def is_generic(self, *kinds: type) -> bool:
        return self.view_class is not None and issubclass(self.view_class, kinds)


def _walk(patterns: list, prefix: str = "", namespace: str | None = None) -> Iterator[Page]:
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = (
                f"{namespace}:{p.namespace}"
                if namespace and p.namespace
                else (p.namespace or namespace)
            )
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern) and p.name:
            name = f"{namespace}:{p.name}" if namespace else p.name
            yield Page(prefix + str(p.pattern), name, p.callback, tuple(p.pattern.converters))


def pages() -> list[Page]:
    return [p for p in _walk(get_resolver().url_patterns) if not p.route.startswith(SKIP_PREFIXES)]


# Values for URL arguments other than a generic view's pk, by argument name or "page name:arg".
SAMPLES: dict[str, Any] = {
    "key": "households",
    "dashboard:figure:key": "units",
    "dashboard:chart_data:name": "trend",
    "model_label": "registry.household",
    "fmt": "xlsx",
    "dashboard:bulletin_download:fmt": "docx",
    "year": 2016,
    "month": 5,
    "size": "thumb",
    "app_label": "registry",
    "model_name": "person",
    "field": "id_number",
}


def url_for(page: Page, world: Any, obj: Any = None) -> str:
    """The page's URL: `obj` (or the world's first object of a sensible kind) for a pk."""
    kwargs = {}
    for arg in page.kwargs:
        sample = SAMPLES.get(f"{page.name}:{arg}", SAMPLES.get(arg))
        if arg == "code":
            sample = world.baoshan.code
        elif arg == "pk" and obj is not None:
            sample = obj.pk
        elif arg in ("pk", "pair", "indicator", "scheme"):
            sample = _default_pk(page, world)
        if sample is None:
            pytest.fail(f"{page.name}: teach SAMPLES a value for <{arg}>")
        kwargs[arg] = sample
    return reverse(page.name, kwargs=kwargs)


def _default_pk(page: Page, world: Any) -> int:
    by_prefix = {
        "registry:household": world.household_a.pk,
        "registry:village": world.baoshan.pk,
        "campaigns:pairing": world.pairing_a.pk,
        "ledger:problem": 1,
        "ledger:activityphoto": 1,
        "ledger:book_unit": world.unit_a.pk,
        "accounts:reveal": world.person_a.pk,
    }
    for prefix, pk in by_prefix.items():
        if page.name.startswith(prefix):
            return pk
    if page.model is not None:
        first = page.model.objects.order_by("pk").first()
        if first is not None:
            return first.pk
    return 999999  # nothing of its kind in the world: the page must still not fail


ROLES = ["office", "unit_a", "branch_a", "village_a", "member_a", "viewer_bijie"]


@pytest.mark.django_db
def test_anonymous_is_sent_to_login_from_every_page(client, world):
    from django.views.generic import RedirectView

    login = reverse("login")
    for page in pages():
        if page.view_class is not None and issubclass(page.view_class, RedirectView):
            continue  # an old address that forwards to a page this test visits itself
        url = url_for(page, world)
        method = client.get if page.name != "accounts:reveal" else client.post
        response = method(url)
        assert response.status_code == 302 and response.url.startswith(login), (
            page.name,
            response.status_code,
        )


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_generic_pages_answer_by_permission_and_scope(login, world, role):
    client = login(role)
    user = world.users[role]
    for page in pages():
        model = page.model
        if model is None or not hasattr(model.objects, "restrict"):
            continue
        if page.is_generic(ObjectCreateView) and not page.kwargs:
            can_add = user.has_perm(f"{model._meta.app_label}.add_{model._meta.model_name}")
            expected = 200 if can_add else 403
            assert client.get(url_for(page, world)).status_code == expected, (role, page.name)
        elif page.is_generic(ObjectDetailView, ObjectUpdateView) and page.kwargs == ("pk",):
            action = "change" if page.is_generic(ObjectUpdateView) else "view"
            allowed = model.objects.restrict(user, action)
            inside = allowed.order_by("pk").first()
            outside = model.objects.exclude(pk__in=allowed.values("pk")).order_by("pk").first()
            if inside is not None:
                response = client.get(url_for(page, world, inside))
                assert response.status_code == 200, (role, page.name, "in scope")
            if outside is not None:
                response = client.get(url_for(page, world, outside))
                assert response.status_code in (403, 404), (role, page.name, "out of scope")
        elif page.is_generic(ObjectListView) and not page.kwargs:
            perm = f"{model._meta.app_label}.view_{model._meta.model_name}"
            expected = 200 if user.has_perm(perm) else 403
            assert client.get(url_for(page, world)).status_code == expected, (role, page.name)


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_other_page_answers_without_a_server_error(login, world, role):
    client = login(role)
    for page in pages():
        response = client.get(url_for(page, world))
        assert response.status_code in (200, 302, 403, 404, 405), (
            role,
            page.name,
            response.status_code,
        )


@pytest.mark.django_db
def test_a_get_changes_nothing_and_every_form_needs_the_csrf_token(world, client):
    """Every state change is a POST with CSRF protection: no GET writes, no view is exempt."""
    from django.apps import apps
    from django.test import Client

    def counts() -> dict[str, int]:
        return {
            m._meta.label: m.objects.count()
            for m in apps.get_models()
            if m._meta.label not in ("sessions.Session",)
        }

    client.force_login(world.users["office"])
    before = counts()
    for page in pages():
        client.get(url_for(page, world))
        assert counts() == before, f"GET {page.name} changed the database"
        assert not getattr(page.callback, "csrf_exempt", False), page.name
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.users["office"])
    for page in pages():
        response = strict.post(url_for(page, world), {})
        assert response.status_code == 403, (page.name, response.status_code)
    assert counts() == before
    assert Role.OFFICE  # the office holds every permission these pages ask for
