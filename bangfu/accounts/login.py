"""The login page: Django's, with the lockout checked before the password."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from bangfu.accounts import lockout
from bangfu.core.personal import client_address


class LockoutAuthenticationForm(AuthenticationForm):
    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        address = client_address(self.request)
        if lockout.is_locked(username, address):
            raise ValidationError(
                _(
                    "登录失败次数过多,该账号或来源地址已被暂时锁定。"
                    "请{minutes}分钟后再试,或请工委管理员解锁。"
                ).format(minutes=settings.BANGFU_LOCKOUT_MINUTES),
                code="locked",
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            lockout.record_failure(username, address)
            raise
        lockout.clear(self.get_user().get_username())
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
