"""Read replicas: read-heavy pages read from a PostgreSQL streaming replica, when one is set.

With `DATABASE_REPLICA_URL` set, a GET of a page named in `BANGFU_REPLICA_PAGES` (dashboard,
drill-downs, charts, ledger books, API reads) or of any list's export reads from the `replica`
database; everything else, every write and everything inside a transaction uses the primary.

A user who has just written reads their own writes: the response to their write carries the
primary's WAL position (a signed cookie), and until the replica has replayed that far, their
read-heavy pages read from the primary. A replica that does not answer is skipped the same way.
Without the setting (the embedded SQLite default) this module does nothing.
"""

from __future__ import annotations

import contextvars
import fnmatch
import logging
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections
from django.http import HttpRequest, HttpResponse

REPLICA = "replica"
WROTE_COOKIE = "bangfu_wrote"
# Models that must be read where they were just written: sessions and logins.
PRIMARY_APPS = {"sessions", "accounts", "auth", "contenttypes"}
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}

log = logging.getLogger(__name__)
# While a request may read from the replica: the primary's transaction depth when it began
# (a transaction opened since then reads from the primary what it wrote).
_use_replica: contextvars.ContextVar[int | None] = contextvars.ContextVar(
    "use_replica", default=None
)


def configured() -> bool:
    return REPLICA in settings.DATABASES


class ReplicaRouter:
    """Sends a request's reads to the replica while the middleware allows it."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        depth = _use_replica.get()
        if depth is None or model._meta.app_label in PRIMARY_APPS:
            return None
        if len(connections["default"].atomic_blocks) > depth:
            return None  # a transaction reads what it wrote
        return REPLICA

    def db_for_write(self, model: type, **hints: Any) -> str:
        return "default"

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # one database, two copies

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db != REPLICA


def read_heavy(request: HttpRequest) -> bool:
    """Whether the request is a read the replica may serve (by its URL name, or an export)."""
    if request.method not in SAFE_METHODS or request.resolver_match is None:
        return False
    if request.GET.get("_export"):
        return True
    name = request.resolver_match.view_name
    return any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.BANGFU_REPLICA_PAGES)


def primary_position() -> str:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return cursor.fetchone()[0]


def replica_has_replayed(position: str | None) -> bool:
    """Whether the replica answers and has replayed the primary's WAL up to `position`."""
    try:
        with connections[REPLICA].cursor() as cursor:
            if position is None:
                cursor.execute("SELECT pg_is_in_recovery()")
            else:
                cursor.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [position])
            return bool(cursor.fetchone()[0])
    except DatabaseError:
        log.warning("replica did not answer; reading from the primary", exc_info=True)
        connections[REPLICA].close()
        return False


def _reading_replica(chunks: Iterable[Any], depth: int) -> Iterator[Any]:
    """A streamed response (an export) goes on reading from the replica as it is sent."""
    iterator = iter(chunks)
    while True:
        token = _use_replica.set(depth)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _use_replica.reset(token)
        yield chunk


class ReplicaMiddleware:
    """Chooses the database for a request's reads; marks a writer's later reads for the primary."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not configured():
            return self.get_response(request)
        token = _use_replica.set(None)
        try:
            response = self.get_response(request)
            depth = _use_replica.get()
        finally:
            _use_replica.reset(token)
        if depth is not None and response.streaming:
            response.streaming_content = _reading_replica(response.streaming_content, depth)
        if request.method not in SAFE_METHODS:
            response.set_signed_cookie(
                WROTE_COOKIE,
                primary_position(),
                max_age=settings.BANGFU_REPLICA_STICKY_SECONDS,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        elif getattr(request, "_replica_caught_up", False):
            response.delete_cookie(WROTE_COOKIE)
        return response

    def process_view(self, request: HttpRequest, *args: Any) -> None:
        if not configured() or not read_heavy(request):
            return
        wrote = request.get_signed_cookie(
            WROTE_COOKIE, default=None, max_age=settings.BANGFU_REPLICA_STICKY_SECONDS
        )
        if replica_has_replayed(wrote):
            request._replica_caught_up = wrote is not None
            _use_replica.set(len(connections["default"].atomic_blocks))
