"""The one login page (the admin signs in here too): Django's, with the lockout counted
before the password is checked."""

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
    """Django's login form, each attempt counted (atomically) before its password is checked."""

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        if not username or not self.cleaned_data.get("password"):
            return super().clean()  # the field errors say what is missing
        attempt = lockout.reserve(username, client_address(self.request))
        if attempt is None:
            raise ValidationError(
                _(
                    "登录失败次数过多,该账号或来源地址已被暂时锁定。"
                    "请{minutes}分钟后再试,或请工委管理员解锁。"
                ).format(minutes=settings.BANGFU_LOCKOUT_MINUTES),
                code="locked",
            )
        cleaned = super().clean()  # a wrong password raises: the attempt stays a failure
        lockout.succeeded(attempt, self.get_user().get_username())
        return cleaned


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
