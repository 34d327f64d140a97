"""The REST API: scoped lists and details, form-backed writes, masking, bulk ledger entries."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.test import APIClient

from bangfu.api import tokens


@pytest.fixture
def api(world: Any) -> Any:
    """An API client signed in with a token as one of the world's users: api("unit_a")."""

    def _api(name: str) -> APIClient:
        client = APIClient()
        _token, plain = tokens.issue(world.users[name], "test")
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {plain}")
        return client

    return _api


def test_unit_committee_lists_only_its_own_activities(api: Any, world: Any) -> None:
    response = api("unit_a").get("/api/v1/ledger/activities/")
    assert response.status_code == 200, response.content
    ids = [row["id"] for row in response.json()["results"]]
    assert ids == [world.activity_a.pk]
