"""API tokens: stored hashed, shown once, expire, can be revoked; session writes need CSRF."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone
from rest_framework.test import APIClient

from bangfu.api import tokens
from bangfu.api.models import ApiToken


def _client(plain: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
    return client


def test_token_is_stored_only_as_a_hash(world: Any) -> None:
    token, plain = tokens.issue(world.users["unit_a"], "对接")
    row = ApiToken.objects.get(pk=token.pk)
    assert plain not in (row.digest, row.prefix, row.name)
    assert row.digest == tokens.digest(plain)
    assert _client(plain).get("/api/v1/orgs/units/").status_code == 200


def test_expired_token_is_refused(world: Any) -> None:
    token, plain = tokens.issue(world.users["unit_a"], "对接", days=7)
    ApiToken.objects.filter(pk=token.pk).update(expires=timezone.now() - datetime.timedelta(1))
    assert _client(plain).get("/api/v1/orgs/units/").status_code == 401


def test_revoked_token_is_refused_and_only_the_owner_revokes(world: Any) -> None:
    token, plain = tokens.issue(world.users["unit_a"], "对接")
    _other, other_plain = tokens.issue(world.users["unit_b"], "别人")
    assert _client(other_plain).delete(f"/api/v1/tokens/{token.pk}/").status_code == 404
    assert _client(plain).get("/api/v1/orgs/units/").status_code == 200
    assert _client(plain).delete(f"/api/v1/tokens/{token.pk}/").status_code == 204
    assert _client(plain).get("/api/v1/orgs/units/").status_code == 401
    assert ApiToken.objects.get(pk=token.pk).revoked is not None


def test_a_tampered_token_is_refused(world: Any) -> None:
    _token, plain = tokens.issue(world.users["unit_a"], "对接")
    assert _client(plain[:-2] + "xx").get("/api/v1/orgs/units/").status_code == 401


def test_tokens_endpoint_creates_and_lists_own_tokens(login: Any, world: Any) -> None:
    _t, plain = tokens.issue(world.users["unit_a"], "第一个")
    client = _client(plain)
    response = client.post("/api/v1/tokens/", {"name": "第二个", "days": 30}, format="json")
    assert response.status_code == 201, response.content
    new_plain = response.json()["token"]
    assert new_plain.startswith("bf_")
    assert _client(new_plain).get("/api/v1/orgs/units/").status_code == 200
    listed = client.get("/api/v1/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["第二个", "第一个"]
    assert all("token" not in t and "digest" not in t for t in listed)


def test_token_page_shows_the_token_once_and_revokes(login: Any, world: Any) -> None:
    client = login("unit_a")
    response = client.post("/api/tokens/", {"name": "市扶贫办", "days": "90"})
    assert response.status_code == 200
    token = ApiToken.objects.get(user=world.users["unit_a"])
    plain = response.context["plain"]
    assert plain and tokens.digest(plain) == token.digest
    page = client.get("/api/tokens/").content.decode()
    assert "市扶贫办" in page and plain not in page
    client.post(f"/api/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked is not None


def test_session_writes_need_csrf(world: Any) -> None:
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.users["office"])
    assert client.get("/api/v1/orgs/units/").status_code == 200
    response = client.post("/api/v1/orgs/units/", {"name": "新单位"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


def test_schema_and_docs_are_served_from_our_own_files(client: Any, world: Any) -> None:
    client.force_login(world.users["viewer"])
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui" in docs
    assert "cdn" not in docs.lower() and "https://" not in docs


def test_user_menu_links_to_the_token_page(login: Any) -> None:
    page = login("member_a").get("/orgs/units/").content.decode()
    assert 'href="/api/tokens/"' in page
