"""API tokens: the user's own page (under the user menu) and the same actions as endpoints."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from bangfu.api import tokens
from bangfu.api.models import ApiToken


class TokenSerializer(serializers.ModelSerializer):
    days = serializers.ChoiceField(
        choices=tokens.LIFETIMES,
        default=tokens.DEFAULT_LIFETIME,
        write_only=True,
        help_text="有效天数",
    )
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created", "expires", "last_used", "revoked"]
        fields += ["is_active", "days"]
        read_only_fields = ["prefix", "created", "expires", "last_used", "revoked"]


class NewTokenSerializer(TokenSerializer):
    token = serializers.CharField(read_only=True, help_text="令牌本身,只在创建时显示这一次。")

    class Meta(TokenSerializer.Meta):
        fields = [*TokenSerializer.Meta.fields, "token"]


class TokenViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    """The signed-in user's own API tokens. DELETE revokes (the row stays, marked revoked)."""

    serializer_class = TokenSerializer
    permission_classes = [IsAuthenticated]
    queryset = ApiToken.objects.none()

    def get_queryset(self) -> Any:
        return ApiToken.objects.filter(user=self.request.user).order_by("-created", "-pk")

    @extend_schema(request=TokenSerializer, responses={201: NewTokenSerializer})
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = TokenSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        token, plain = tokens.issue(
            request.user, serializer.validated_data["name"], serializer.validated_data["days"]
        )
        token.token = plain
        return Response(NewTokenSerializer(token).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance: ApiToken) -> None:
        tokens.revoke(self.request.user, instance.pk)


@login_required
def token_page(request: HttpRequest) -> HttpResponse:
    """List the user's tokens; create one (shown once) or revoke one."""
    plain = None
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        try:
            days = int(request.POST.get("days", tokens.DEFAULT_LIFETIME))
        except ValueError:
            days = 0
        if not name:
            messages.error(request, _("请填写令牌的用途。"))
        elif days not in tokens.LIFETIMES:
            messages.error(request, _("请选择有效期。"))
        else:
            _token, plain = tokens.issue(request.user, name, days)
    context = {
        "tokens": ApiToken.objects.filter(user=request.user).order_by("-created", "-pk"),
        "plain": plain,
        "lifetimes": tokens.LIFETIMES,
        "default_lifetime": tokens.DEFAULT_LIFETIME,
    }
    return render(request, "api/tokens.html", context)


@login_required
@require_POST
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    if tokens.revoke(request.user, pk):
        messages.success(request, _("令牌已撤销。"))
    return redirect("api:tokens")
