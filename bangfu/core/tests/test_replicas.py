"""Read replicas (core/replicas.py): which reads go to the replica, and a writer's own writes.

The test databases have no replica, so the router's choices are recorded and every query still
runs on the primary; `bench/replica.py` shows the routing against a real streaming replica.
"""

from typing import Any

import pytest
from django.db import connection, transaction
from django.urls import reverse

from bangfu.core import replicas
from bangfu.registry.models import Household


@pytest.fixture
def chosen(monkeypatch: Any) -> list[str]:
    """A replica set up (as far as routing goes) and the alias of every routed read."""
    choices: list[str] = []
    decide = replicas.ReplicaRouter.db_for_read

    def spy(self: Any, model: type, **hints: Any) -> None:
        choices.append(decide(self, model, **hints) or "default")

    monkeypatch.setattr(replicas.ReplicaRouter, "db_for_read", spy)
    monkeypatch.setattr(replicas, "configured", lambda: True)
    return choices


@pytest.fixture
def replay(monkeypatch: Any) -> dict[str, int]:
    """The replica's replay position and the primary's write position, as numbers."""
    state = {"primary": 100, "replica": 100}
    monkeypatch.setattr(replicas, "primary_position", lambda: str(state["primary"]))
    monkeypatch.setattr(
        replicas,
        "replica_has_replayed",
        lambda position: position is None or state["replica"] >= int(position),
    )
    return state


def test_dashboard_reads_go_to_the_replica_and_ordinary_pages_to_the_primary(
    login: Any, chosen: list[str], replay: dict[str, int]
) -> None:
    client = login("office")
    assert client.get(reverse("dashboard:index")).status_code == 200
    assert "replica" in chosen
    chosen.clear()
    assert client.get(reverse("registry:household_list")).status_code == 200
    assert chosen and "replica" not in chosen


def test_exports_of_any_list_read_from_the_replica(
    login: Any, chosen: list[str], replay: dict[str, int]
) -> None:
    response = login("office").get(reverse("registry:household_list"), {"_export": "csv"})
    assert response.status_code == 200
    assert response.streaming
    chosen.clear()
    assert b"".join(response.streaming_content).count(b"\n") > 1
    assert chosen and set(chosen) == {"replica"}, "the rows are read as the file is sent"


def test_a_writer_reads_the_primary_until_the_replica_has_replayed_the_write(
    login: Any, chosen: list[str], replay: dict[str, int]
) -> None:
    client = login("office")
    replay["primary"] = 205
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert client.cookies[replicas.WROTE_COOKIE].value

    chosen.clear()
    client.get(reverse("dashboard:index"))
    assert chosen and "replica" not in chosen, "the replica is behind the user's write"

    replay["replica"] = 205
    chosen.clear()
    response = client.get(reverse("dashboard:index"))
    assert "replica" in chosen
    assert response.cookies[replicas.WROTE_COOKIE].value == "", "caught up: the mark is dropped"


def test_a_replica_that_does_not_answer_is_skipped(
    login: Any, chosen: list[str], monkeypatch: Any
) -> None:
    monkeypatch.setattr(replicas, "replica_has_replayed", lambda position: False)
    assert login("office").get(reverse("dashboard:index")).status_code == 200
    assert chosen and "replica" not in chosen


def test_reads_inside_a_transaction_and_of_sessions_stay_on_the_primary(db: Any) -> None:
    from django.contrib.sessions.models import Session

    router = replicas.ReplicaRouter()
    token = replicas._use_replica.set(len(connection.atomic_blocks))
    try:
        assert router.db_for_read(Household) == "replica"
        assert router.db_for_read(Session) is None
        with transaction.atomic():
            assert router.db_for_read(Household) is None
    finally:
        replicas._use_replica.reset(token)
    assert router.db_for_read(Household) is None
    assert router.db_for_write(Household) == "default"
    assert not router.allow_migrate("replica", "registry")


def test_without_a_replica_nothing_changes(login: Any) -> None:
    """The embedded default: no replica alias, no cookie, no routing."""
    assert not replicas.configured()
    client = login("office")
    client.post(reverse("set_language"), {"language": "zh-hans", "next": "/"})
    assert replicas.WROTE_COOKIE not in client.cookies
