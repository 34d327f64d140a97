"""Hardening: password hashing and rules, lockout, session timeout, headers and CSP, deploy
check, upload checks."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

import bangfu
from bangfu import settings as production
from bangfu.accounts.models import LoginFailure
from bangfu.conftest import PASSWORD
from bangfu.core.security import check_upload

ROOT = Path(bangfu.__file__).parent


def test_passwords_are_hashed_with_argon2_in_production():
    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    from django.contrib.auth.hashers import Argon2PasswordHasher

    assert Argon2PasswordHasher().encode("x" * 12, "saltsaltsalt").startswith("argon2$")


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("Ab3$xyz", "至少"),
        ("password123", "常见"),
        ("8273649182736", "数字"),
        ("zhangsan2016", "相似"),
    ],
)
def test_password_rules_refuse_weak_passwords_in_chinese(db, password, fragment):
    from bangfu.accounts.models import User

    user = User(username="zhangsan2016")
    with pytest.raises(ValidationError) as error:
        validate_password(password, user)
    assert fragment in " ".join(error.value.messages)


def _login(client, username, password, address="10.0.0.1"):
    return client.post(
        reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=address
    )


def test_an_account_is_locked_after_repeated_failures(client, world, settings):
    for _ in range(settings.BANGFU_LOCKOUT_FAILURES):
        assert _login(client, "unit_a", "wrong").status_code == 200
    response = _login(client, "unit_a", PASSWORD)
    assert response.status_code == 200
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account from the same address still logs in, and clears only its own failures.
    assert _login(client, "unit_b", PASSWORD).status_code == 302
    # Once the failures age out of the window, the account logs in again.
    LoginFailure.objects.update(time=timezone.now() - timezone.timedelta(hours=1))
    assert _login(client, "unit_a", PASSWORD).status_code == 302
    assert not LoginFailure.objects.filter(username="unit_a").exists()


def test_an_address_is_locked_after_failures_across_accounts(client, world, settings):
    for i in range(settings.BANGFU_LOCKOUT_FAILURES_PER_ADDRESS):
        _login(client, f"guess{i}", "wrong", address="10.6.6.6")
    response = _login(client, "office", PASSWORD, address="10.6.6.6")
    assert "登录失败次数过多" in response.content.decode()
    assert _login(client, "office", PASSWORD, address="10.7.7.7").status_code == 302


def test_sessions_end_after_thirty_minutes_of_inactivity(login, world):
    assert production.SESSION_COOKIE_AGE == 30 * 60
    client = login("office")
    client.get(reverse("orgs:unit_list"))
    session = client.session
    assert session.get_expiry_age() == 30 * 60
    # A request more than a minute after the last renewal pushes the expiry forward again.
    from django.contrib.sessions.models import Session

    session["_touched"] = 0
    session.save()
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=5)
    )
    client.get(reverse("orgs:unit_list"))
    renewed = Session.objects.get(session_key=session.session_key).expire_date
    assert renewed > timezone.now() + timezone.timedelta(minutes=29)
    # Within the minute, pages do not write the session at all.
    Session.objects.filter(session_key=session.session_key).update(
        expire_date=timezone.now() + timezone.timedelta(minutes=5)
    )
    client.get(reverse("orgs:unit_list"))
    kept = Session.objects.get(session_key=session.session_key).expire_date
    assert kept < timezone.now() + timezone.timedelta(minutes=6)
    session = client.session
    assert production.SESSION_EXPIRE_AT_BROWSER_CLOSE
    session.set_expiry(timezone.now() - timezone.timedelta(seconds=1))
    session.save()
    response = client.get(reverse("orgs:unit_list"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_production_settings_are_secure():
    assert production.SECURE_SSL_REDIRECT and production.SESSION_COOKIE_SECURE
    assert production.CSRF_COOKIE_SECURE and production.SECURE_HSTS_SECONDS >= 31536000
    assert production.X_FRAME_OPTIONS == "DENY"


def test_pages_send_security_headers_and_a_self_only_csp(login, world):
    response = login("office").get(reverse("orgs:unit_list"))
    csp = response.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "script-src 'self';" in csp
    assert "unsafe-eval" not in csp and "script-src 'self' 'unsafe-inline'" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def test_templates_have_no_inline_script_the_csp_would_block():
    offenders = []
    for path in ROOT.glob("*/templates/**/*.html"):
        text = path.read_text()
        if INLINE_SCRIPT.search(text) or INLINE_HANDLER.search(text):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def _deploy_check(tmp_path, **env):
    # Production's environment: none of the test run's own settings (the browser tests set
    # DJANGO_ALLOW_ASYNC_UNSAFE for Playwright's event loop).
    dropped = ("DEBUG", "DATABASE_URL", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE")
    environment = {k: v for k, v in os.environ.items() if k not in dropped}
    environment.update(
        BANGFU_VAR_DIR=str(tmp_path),
        ALLOWED_HOSTS="bangfu.example.gov.cn",
        DJANGO_SETTINGS_MODULE="bangfu.settings",
        **env,
    )
    return subprocess.run(
        [sys.executable, "-m", "bangfu", "check", "--deploy", "--fail-level", "WARNING"],
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = _deploy_check(tmp_path, SECRET_KEY="k3$-" + "pR0d-" * 12)
    assert result.returncode == 0, result.stderr + result.stdout
    refused = _deploy_check(tmp_path)  # the development key from the source
    assert refused.returncode != 0 and "bangfu.E001" in refused.stderr + refused.stdout


def _xlsx() -> bytes:
    from openpyxl import Workbook

    buffer = io.BytesIO()
    Workbook().save(buffer)
    return buffer.getvalue()


def test_uploads_are_checked_by_name_size_and_content():
    allowed = (".xlsx", ".csv")
    check_upload(SimpleUploadedFile("a.xlsx", _xlsx()), allowed, 10**6)
    check_upload(
        SimpleUploadedFile("a.csv", "户编号,姓名\n1,张龙\n".encode("gb18030")), allowed, 10**6
    )
    cases = [
        (SimpleUploadedFile("virus.exe", b"MZ\x90\x00"), "type"),
        (SimpleUploadedFile("virus.xlsx", b"MZ\x90\x00" + b"\x00" * 100), "content"),
        (SimpleUploadedFile("bin.csv", b"\x00\x01\x02" * 10), "content"),
        (SimpleUploadedFile("big.xlsx", _xlsx()), "size"),
    ]
    for upload, code in cases:
        with pytest.raises(ValidationError) as error:
            check_upload(upload, allowed, 1000 if code == "size" else 10**6)
        assert error.value.code == code, upload.name
    # The import page uses it.
    from bangfu.core.import_views import UploadForm

    form = UploadForm(files={"file": SimpleUploadedFile("x.xlsx", b"not a zip")})
    assert not form.is_valid() and "内容与扩展名" in str(form.errors)
