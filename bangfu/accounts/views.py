"""Revealing one personal field (logged) and the office's access log."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from bangfu.accounts.filtersets import AccessLogFilterSet
from bangfu.accounts.models import AccessLog
from bangfu.accounts.tables import AccessLogTable
from bangfu.core.personal import can_see_personal_data, log_reveal, personal_fields
from bangfu.core.views import ObjectListView, object_in_scope


@require_POST
@login_required
def reveal(
    request: HttpRequest, app_label: str, model_name: str, pk: int, field: str
) -> HttpResponse:
    """Answer one personal field of one record unmasked, and log that it was shown."""
    try:
        model = apps.get_model(app_label, model_name)
    except LookupError:
        raise Http404 from None
    if field not in personal_fields(model) or not hasattr(model.objects, "restrict"):
        raise Http404
    obj = object_in_scope(model.objects.all(), request.user, "view", pk=pk)
    if not can_see_personal_data(request.user):
        raise PermissionDenied
    value = getattr(obj, field) or ""
    log_reveal(request, obj, [field])
    return HttpResponse(
        format_html('<span class="personal" data-testid="revealed">{}</span>', value),
        headers={"Cache-Control": "no-store"},
    )


class AccessLogListView(ObjectListView):
    """Who was shown whose personal data, when and from where: the office's list."""

    queryset = AccessLog.objects.select_related("user", "content_type")
    filterset_class = AccessLogFilterSet
    table_class = AccessLogTable

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.has_perm("accounts.view_accesslog"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.all()
