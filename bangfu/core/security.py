"""Security helpers: the Content-Security-Policy header, one check for every upload, and a
deploy check that refuses the development secret key."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

DEVELOPMENT_SECRET_KEY = "insecure-development-key-set-SECRET_KEY-in-production"


class SessionTouchMiddleware:
    """Keep an active session alive: push its expiry (BANGFU_SESSION_MINUTES of inactivity)
    forward, but write the session at most once a minute rather than on every request — a
    write costs a transaction on every page. Idle time is therefore measured to the minute."""

    INTERVAL = 60  # seconds

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            import time

            now = int(time.time())
            if now - session.get("_touched", 0) >= self.INTERVAL:
                session["_touched"] = now  # modified: SessionMiddleware saves it, expiry renewed
        return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY (when BANGFU_CSP is on) and a Permissions-Policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if getattr(settings, "BANGFU_CSP", False):
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(self), geolocation=(self), microphone=()"
        )
        return response


# What a file of each kind starts with: its suffix is not enough, anyone can rename a file.
def _zip(head: bytes) -> bool:
    return head.startswith(b"PK\x03\x04")


def _text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            head.decode(encoding)
            return True
        except UnicodeDecodeError as e:
            if e.start >= len(head) - 4:  # cut in the middle of a character
                return True
    return False


SIGNATURES: dict[str, Callable[[bytes], bool]] = {
    ".xlsx": _zip,
    ".csv": _text,
    ".jpg": lambda h: h.startswith(b"\xff\xd8\xff"),
    ".jpeg": lambda h: h.startswith(b"\xff\xd8\xff"),
    ".png": lambda h: h.startswith(b"\x89PNG\r\n\x1a\n"),
    ".gif": lambda h: h[:6] in (b"GIF87a", b"GIF89a"),
    ".webp": lambda h: h[:4] == b"RIFF" and h[8:12] == b"WEBP",
    ".heic": lambda h: h[4:8] == b"ftyp",
}


def check_upload(upload: Any, suffixes: tuple[str, ...], max_bytes: int) -> None:
    """Refuse an upload whose name, size or content is not of an allowed kind.

    Raises ValidationError with a message naming the file; reads only its first 8 KB."""
    name = Path(upload.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise ValidationError(
            _("文件“{name}”的类型不允许,只能上传{kinds}文件。").format(
                name=name, kinds="、".join(suffixes)
            ),
            code="type",
        )
    if upload.size > max_bytes:
        raise ValidationError(
            _("文件“{name}”有{size}MB,超过了{limit}MB的上限。").format(
                name=name,
                size=round(upload.size / 1048576, 1),
                limit=round(max_bytes / 1048576, 1),
            ),
            code="size",
        )
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    sniff = SIGNATURES.get(suffix)
    if sniff is not None and not sniff(head):
        raise ValidationError(
            _("文件“{name}”的内容与扩展名{suffix}不符,可能已损坏或被改名。").format(
                name=name, suffix=suffix
            ),
            code="content",
        )


@checks.register(checks.Tags.security, deploy=True)
def check_secret_key(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """The development key is public (it is in the source): production must set its own."""
    if settings.SECRET_KEY == DEVELOPMENT_SECRET_KEY:
        return [
            checks.Error(
                "SECRET_KEY is the development key from the source code.",
                hint="Set the SECRET_KEY environment variable to a long random value.",
                id="bangfu.E001",
            )
        ]
    return []
