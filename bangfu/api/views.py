"""One viewset per resource, generated: scoped querysets, filters, ordering, form-backed writes.

Every queryset is `Model.objects.restrict(user, action)`, the pages' own scope method: what a
user cannot see is 404; what they see but may not change is 403.
"""

from __future__ import annotations

from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ParseError, PermissionDenied
from rest_framework.filters import OrderingFilter
from rest_framework.generics import get_object_or_404
from rest_framework.request import Request
from rest_framework.response import Response

from bangfu.api.permissions import ModelPermission
from bangfu.api.resources import Resource
from bangfu.api.serializers import resource_serializer
from bangfu.core.changelog import change_context
from bangfu.core.personal import (
    can_see_personal_data,
    exports_unmasked,
    log_export,
    log_reveal,
    personal_fields,
)

# The largest list the bulk endpoint takes in one all-or-nothing request.
BULK_LIMIT = 500


class ResourceViewSet(viewsets.GenericViewSet):
    resource: Resource
    permission_classes = [ModelPermission]
    filter_backends = [DjangoFilterBackend, OrderingFilter]

    def get_queryset(self) -> models.QuerySet:
        resource = self.resource
        user = self.request.user
        queryset = resource.model.objects.restrict(user, "view")
        if resource.select_related:
            queryset = queryset.select_related(*resource.select_related)
        if resource.prefetch_related:
            queryset = queryset.prefetch_related(*resource.prefetch_related)
        if not queryset.ordered:
            queryset = queryset.order_by("pk")
        return queryset

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        context["resource"] = self.resource
        return context

    def get_object(self) -> Any:
        # 404 outside the user's view scope; a list's default filters do not hide a record.
        obj = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        self.check_object_permissions(self.request, obj)
        if self.request.method in ("PUT", "PATCH"):
            changeable = self.resource.model.objects.restrict(self.request.user, "change")
            if not changeable.filter(pk=obj.pk).exists():
                raise PermissionDenied(_("您不能修改这条记录。"))
        return obj


class PersonalDataLogMixin:
    """Personal data sent unmasked is logged like the pages do it: a record's reveal, or a
    list as an export (bangfu.core.personal)."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        model = self.resource.model
        if response.status_code == 200 and exports_unmasked(model, request.user):
            rows = response.data.get("results", []) if isinstance(response.data, dict) else []
            if rows:
                log_export(request._request, model, "api", len(rows))
        return response

    def retrieve(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().retrieve(request, *args, **kwargs)
        self._log_reveal(request, response)
        return response

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().update(request, *args, **kwargs)
        self._log_reveal(request, response)
        return response

    def _log_reveal(self, request: Request, response: Response) -> None:
        model = self.resource.model
        fields = [f for f in personal_fields(model) if response.data.get(f)]
        if response.status_code == 200 and fields and can_see_personal_data(request.user):
            log_reveal(request._request, self.get_object(), fields)


def error_list(detail: Any, prefix: str = "") -> list[tuple[str, str]]:
    """A DRF error detail flattened to (field, reason) pairs."""
    if isinstance(detail, dict):
        pairs = []
        for key, value in detail.items():
            pairs.extend(error_list(value, f"{prefix}.{key}" if prefix else str(key)))
        return pairs
    if isinstance(detail, list):
        pairs = []
        for value in detail:
            pairs.extend(error_list(value, prefix))
        return pairs
    return [(prefix or "non_field_errors", str(detail))]


BULK_ERRORS = inline_serializer(
    "BulkErrors",
    {
        "errors": serializers.ListField(
            child=inline_serializer(
                "BulkError",
                {
                    "index": serializers.IntegerField(allow_null=True),
                    "field": serializers.CharField(),
                    "reason": serializers.CharField(),
                },
            )
        )
    },
)


def _bulk_refused(reason: str) -> Response:
    return Response(
        {"errors": [{"index": None, "field": "non_field_errors", "reason": reason}]},
        status=status.HTTP_400_BAD_REQUEST,
    )


class BulkCreateMixin:
    """POST a list: every item is checked and saved as one transaction, or none is."""

    @action(detail=False, methods=["post"], url_path="bulk", permission_classes=[ModelPermission])
    def bulk(self, request: Request) -> Response:
        try:
            items = request.data
        except ParseError as error:
            return _bulk_refused(str(error.detail))
        if not isinstance(items, list) or not items or len(items) > BULK_LIMIT:
            return _bulk_refused(_("请提交一个列表,含1到{n}条记录。").format(n=BULK_LIMIT))
        errors: list[dict[str, Any]] = []
        created = []
        with change_context(user=request.user, request_id=getattr(request._request, "id", None)):
            with transaction.atomic():
                for index, item in enumerate(items):
                    serializer = self.get_serializer(data=item)
                    try:
                        serializer.is_valid(raise_exception=True)
                        created.append(serializer.save())
                    except serializers.ValidationError as error:
                        errors.extend(
                            {"index": index, "field": f, "reason": r}
                            for f, r in error_list(error.detail)
                        )
                if errors:
                    transaction.set_rollback(True)
        if errors:
            return Response({"errors": errors}, status=status.HTTP_400_BAD_REQUEST)
        data = self.get_serializer(created, many=True).data
        return Response(data, status=status.HTTP_201_CREATED)


def make_viewset(resource: Resource, bulk: bool = False) -> type[ResourceViewSet]:
    """The viewset for one resource: list and detail; create and update where it has a form."""
    bases: list[type] = [
        PersonalDataLogMixin,
        mixins.ListModelMixin,
        mixins.RetrieveModelMixin,
    ]
    methods = ["get", "head", "options"]
    if resource.writable:
        bases += [mixins.CreateModelMixin, mixins.UpdateModelMixin]
        methods += ["post", "put", "patch"]
    if bulk:
        bases.insert(0, BulkCreateMixin)
    serializer = resource_serializer(
        resource.model, resource.fields, resource.write_fields, resource.keys
    )
    attrs: dict[str, Any] = {
        "resource": resource,
        "serializer_class": serializer,
        "http_method_names": methods,
        "ordering_fields": resource.ordering_fields(),
        "queryset": resource.model.objects.none(),  # for the schema; get_queryset scopes
        "__doc__": f"{resource.model._meta.verbose_name_plural}",
    }
    if resource.filterset_class is not None:
        attrs["filterset_class"] = resource.filterset_class
    else:
        attrs["filterset_fields"] = resource.filterset_fields
    name = f"{resource.model.__name__}ViewSet"
    viewset = type(name, (*bases, ResourceViewSet), attrs)
    if bulk:
        viewset = extend_schema_view(
            bulk=extend_schema(
                summary="批量创建(全部成功或全部不写入)",
                request=serializer(many=True),
                responses={201: serializer(many=True), 400: BULK_ERRORS},
            )
        )(viewset)
    return viewset
