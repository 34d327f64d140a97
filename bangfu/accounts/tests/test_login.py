"""One login door: the admin site signs in through the app's login (same lockout, same policy),
and failures are counted so that simultaneous attempts cannot get more password checks than
the limit allows."""

from __future__ import annotations

import contextlib
import threading
import time
from typing import Any

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.urls import reverse

from bangfu.accounts.choices import Role
from bangfu.accounts.login import LockoutAuthenticationForm
from bangfu.accounts.models import LoginFailure, User
from bangfu.conftest import PASSWORD

ATTEMPTS = 20


def _logged_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def test_the_admin_door_answers_no_password_and_sends_to_the_app_login(client, world, settings):
    office = world.users["office"]
    office.is_staff = True
    office.save()
    admin_login = reverse("admin:login")
    for _ in range(8):
        client.post(admin_login, {"username": "office", "password": "wrong"})
    client.post(admin_login, {"username": "office", "password": PASSWORD})
    assert not _logged_in(client), "the admin's own login form checked a password"
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    follow = client.get(response.url)
    assert follow.status_code == 302
    assert follow.url.startswith(reverse("login")) and "next=/admin/" in follow.url


def test_the_app_lockout_holds_for_the_admin(client, world, settings):
    office = world.users["office"]
    office.is_staff = True
    office.save()
    login = reverse("login")
    for _ in range(8):
        client.post(login, {"username": "office", "password": "wrong"})
    response = client.post(
        f"{login}?next=/admin/", {"username": "office", "password": PASSWORD, "next": "/admin/"}
    )
    assert "登录失败次数过多" in response.content.decode()
    assert not _logged_in(client)
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 302
    # Through the one door, once the lockout lifts, the admin opens.
    LoginFailure.objects.all().delete()
    response = client.post(login, {"username": "office", "password": PASSWORD, "next": "/admin/"})
    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200


def test_a_signed_in_user_without_the_admin_gets_403_not_a_login_form(login, world):
    client = login("unit_a")
    assert client.get(reverse("admin:login")).status_code == 403


class _CountedChecks:
    """Replaces User.check_password: counts calls and holds each one for a moment, so every
    attempt is in flight at once (a hash takes about that long in production)."""

    def __init__(self, monkeypatch: Any, during: Any = None) -> None:
        self.calls = 0
        self.lock = threading.Lock()
        self.during = during
        original = User.check_password

        def check(user: User, raw: str) -> bool:
            with self.lock:
                self.calls += 1
            if self.during is not None:
                self.during()
            else:
                time.sleep(0.2)
            return original(user, raw)

        monkeypatch.setattr(User, "check_password", check)


def test_attempts_in_flight_together_get_at_most_the_limit_of_checks(db, monkeypatch, settings):
    """The worst order, on any database: each attempt starts while every earlier one is still
    checking its password (the next attempt runs inside the previous one's check)."""
    User.objects.create_user("target", password=PASSWORD, role=Role.OFFICE)
    started = 0

    def remaining_attempts() -> None:
        nonlocal started
        while started < ATTEMPTS:
            started += 1
            request = RequestFactory().post(reverse("login"), REMOTE_ADDR="10.0.0.1")
            form = LockoutAuthenticationForm(request, {"username": "target", "password": "x"})
            assert not form.is_valid()

    checks = _CountedChecks(monkeypatch, during=remaining_attempts)
    remaining_attempts()
    assert started == ATTEMPTS
    assert checks.calls <= settings.BANGFU_LOCKOUT_FAILURES
    assert checks.calls == settings.BANGFU_LOCKOUT_FAILURES  # the limit, not fewer
    response = Client().post(reverse("login"), {"username": "target", "password": PASSWORD})
    assert "登录失败次数过多" in response.content.decode()


@pytest.mark.django_db(transaction=True)
def test_twenty_simultaneous_wrong_logins_get_at_most_the_limit_of_checks(monkeypatch, settings):
    """Real threads, each with its own database connection, released together."""
    User.objects.create_user("target", password=PASSWORD, role=Role.OFFICE)
    checks = _CountedChecks(monkeypatch)
    gate = threading.Barrier(ATTEMPTS)
    answers: list[int] = []
    errors: list[BaseException] = []

    # SQLite's shared in-memory test database refuses a statement while another thread's
    # transaction reads the table (a database file would wait): there the requests take turns
    # at the database, and give the turn up while the password is checked, where the race is.
    turn = threading.Lock() if connection.vendor == "sqlite" else None
    if turn is not None:
        checks.during = lambda: (turn.release(), time.sleep(0.2), turn.acquire())

    def attempt(i: int) -> None:
        try:
            client = Client(REMOTE_ADDR=f"10.0.{i}.1")
            gate.wait()
            with turn or contextlib.nullcontext():
                answers.append(
                    client.post(
                        reverse("login"), {"username": "target", "password": "wrong"}
                    ).status_code
                )
        except BaseException as e:
            errors.append(e)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert answers == [200] * ATTEMPTS
    assert checks.calls <= settings.BANGFU_LOCKOUT_FAILURES
    # Each checked attempt left its failure; the refused ones took theirs back.
    assert LoginFailure.objects.filter(username="target").count() == checks.calls
