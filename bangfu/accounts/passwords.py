"""Password rules with messages in our own catalogue (Chinese msgids, translated to English)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def __init__(self, min_length: int = 10) -> None:
        super().__init__(min_length)

    def validate(self, password: str, user: Any = None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(self.get_error_message(), code="password_too_short")

    def get_error_message(self) -> str:
        return _("密码太短,至少需要{n}个字符。").format(n=self.min_length)

    def get_help_text(self) -> str:
        return _("密码至少需要{n}个字符。").format(n=self.min_length)
