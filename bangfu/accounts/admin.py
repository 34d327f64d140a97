"""User accounts are managed in the admin by the campaign office: role plus scope.

The admin has no login form of its own: it sends to the app's login, so there is one door with
one lockout and one password policy."""

from typing import Any

from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bangfu.accounts.models import LoginFailure, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ("username", "first_name", "role", "unit", "branch", "region", "is_active")
    list_filter = ("role", "is_active")
    search_fields = ("username", "first_name", "last_name")
    autocomplete_fields = ()
    raw_id_fields = ("region", "unit", "branch", "member")
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("角色与范围"), {"fields": ("role", "region", "unit", "branch", "member")}),
        (_("个人信息"), {"fields": ("first_name", "last_name", "email")}),
        (_("状态"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "password1", "password2")}),
        (_("角色与范围"), {"fields": ("role", "region", "unit", "branch", "member")}),
    )
    readonly_fields = ("last_login", "date_joined")


@admin.register(LoginFailure)
class LoginFailureAdmin(admin.ModelAdmin):
    """Deleting an account's or address's failures lifts its lockout."""

    list_display = ("time", "username", "address")
    search_fields = ("username", "address")
    date_hierarchy = "time"


def login_through_the_app(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """The admin's login: the app's login page (a signed-in user who is not staff: 403)."""
    if request.user.is_authenticated:
        raise PermissionDenied
    back = request.GET.get(REDIRECT_FIELD_NAME) or reverse("admin:index")
    return redirect_to_login(back, reverse("login"))


admin.site.login = login_through_the_app
