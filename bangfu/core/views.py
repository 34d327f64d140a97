"""Generic list, detail and edit views: subclasses declare queryset, filterset, table and form.

Every queryset goes through `restrict(user, action)`; views never filter by scope themselves.
"""

from __future__ import annotations

import copy
from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import CreateView, DetailView, UpdateView
from django_filters.views import FilterView
from django_tables2.export.views import ExportMixin
from django_tables2.views import SingleTableMixin

from bangfu.core.changelog import creation_values
from bangfu.core.models import BaseModel, ObjectChange
from bangfu.core.personal import (
    can_see_personal_data,
    exports_unmasked,
    log_export,
    mask,
    personal_cell,
    personal_fields,
)
from bangfu.core.tables import PAGE_SIZES, RequestConfig, export_table


def perm_name(model: type[models.Model], action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class ObjectListView(LoginRequiredMixin, ExportMixin, SingleTableMixin, FilterView):
    """A filterable, sortable, paginated list that exports what it shows (?_export=xlsx).

    With a `layout_key`, the export is that spreadsheet layout (the one its import reads),
    written a row at a time, and the page offers the import.
    """

    template_name = "core/object_list.html"
    export_formats = ("xlsx", "csv")
    paginate_by = 25
    layout_key: str | None = None

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        export = self.request.GET.get(self.export_trigger_param)
        if self.layout_key and export in self.export_formats:
            return layout_export(
                self.layout_key,
                self.object_list,
                self.request.user,
                export,
                str(self.queryset.model._meta.verbose_name_plural),
                request=self.request,
            )
        return super().render_to_response(context, **kwargs)

    def get_table_kwargs(self) -> dict[str, Any]:
        return {**super().get_table_kwargs(), "user": self.request.user}

    def create_export(self, export_format: str) -> HttpResponse:
        """The table's own export: personal columns unmasked for a user with the right, and
        such an export logged with its filters and row count."""
        table = self.get_table(**self.get_table_kwargs())
        shown = [c.name for c in table.columns if c.visible]
        model = self.queryset.model
        if exports_unmasked(model, self.request.user, shown):
            log_export(
                self.request,
                model,
                export_format,
                len(table.rows),
                [n for n in personal_fields(model) if n in shown],
            )
        return export_table(
            table, export_format, self.get_export_filename(export_format), self.exclude_columns
        )

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.restrict(self.request.user, "view")

    def get_table(self, **kwargs: Any) -> Any:
        """django-tables2's own, configured by our RequestConfig (page and size bounded)."""
        table = self.get_table_class()(data=self.get_table_data(), **kwargs)
        return RequestConfig(self.request, paginate=self.get_table_pagination(table)).configure(
            table
        )

    def paginate_queryset(self, queryset: Any, page_size: int) -> tuple:
        """No pagination of Django's own: the table pages the rows (bounded, see
        RequestConfig); Django's would count them again and answer ?page=-1 with a 404."""
        return None, None, queryset, False

    def get_paginate_by(self, table_data: Any) -> int:
        try:
            size = int(self.request.GET.get("per_page", self.paginate_by))
        except ValueError:
            return self.paginate_by
        return size if size in PAGE_SIZES else self.paginate_by

    def get_export_filename(self, export_format: str) -> str:
        return f"{self.queryset.model._meta.verbose_name_plural}.{export_format}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        model = self.queryset.model
        context["model_meta"] = model._meta
        add_url_name = f"{model._meta.app_label}:{model._meta.model_name}_add"
        try:
            reverse(add_url_name)
        except NoReverseMatch:  # added elsewhere (e.g. a dividend run from its cooperative)
            add_url_name = None
        context["can_add"] = bool(add_url_name) and self.request.user.has_perm(
            perm_name(model, "add")
        )
        context["add_url_name"] = add_url_name
        context["page_sizes"] = PAGE_SIZES
        if self.layout_key:
            from bangfu.core.imports import Layout

            layout = Layout.registry[self.layout_key]
            context["import_key"] = (
                self.layout_key if layout.may_import(self.request.user) else None
            )
        return context


def object_in_scope(
    queryset: models.QuerySet, user: Any, action: str = "view", perm: str = "", **lookup: Any
) -> Any:
    """The object for an action, found within the user's scope first: outside it the object
    does not exist for them (404), so no answer tells that it is there. Inside the scope, a
    missing permission (`perm`, or `action` on the object) is 403."""
    model = queryset.model
    obj = get_object_or_404(queryset.filter(model.scope_q(user.scope)), **lookup)
    if perm and not user.has_perm(perm):
        raise PermissionDenied
    if not queryset.restrict(user, action).filter(pk=obj.pk).exists():
        raise PermissionDenied
    return obj


def layout_export(
    key: str,
    queryset: models.QuerySet,
    user: Any,
    fmt: str,
    name: str,
    request: HttpRequest | None = None,
) -> HttpResponse:
    """A list's rows in its import layout: .xlsx via a temporary file, .csv streamed.

    Personal data is masked unless the user holds the right; an export that carries it
    unmasked is logged (with the request's filters), so pass the request. An .xlsx with
    more rows than a sheet holds is refused before anything is written: the user is sent
    back to the list with how many rows it has and what to do instead."""
    from django.apps import apps

    from bangfu.core import spreadsheets
    from bangfu.core.imports import Layout
    from bangfu.core.spreadsheets import csv_response, xlsx_response

    layout = Layout.registry[key]
    if fmt == "xlsx":
        rows = layout.export_row_count(queryset)
        if rows > spreadsheets.XLSX_MAX_DATA_ROWS:
            message = _(
                "共{rows}行,超过Excel一张工作表的上限({limit}行)。"
                "请缩小筛选范围分批导出,或导出为CSV(行数不限)。"
            ).format(rows=f"{rows:,}", limit=f"{spreadsheets.XLSX_MAX_DATA_ROWS:,}")
            if request is None:
                raise spreadsheets.SpreadsheetError(message)
            messages.error(request, message)
            query = request.GET.copy()
            query.pop("_export", None)
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    if can_see_personal_data(user):
        personal = {n for m in apps.get_models() for n in personal_fields(m)}
        shown = [c.field for c in layout.columns if c.field in personal]
        if shown:
            if request is None:
                raise ValueError("an export with unmasked personal data needs the request")
            log_export(request, layout.model, fmt, queryset.count(), shown)
    if fmt == "csv":
        return csv_response(
            layout.headers(),
            layout.export_rows(queryset, user),
            f"{name}.csv",
            checked=layout.export_checked,
        )
    return xlsx_response(layout.export_sheets(queryset, user), f"{name}.xlsx")


def history_for(instance: models.Model, limit: int = 100) -> list[ObjectChange]:
    """Changes of the object itself and of the objects that name it as their parent, newest
    first.

    A bulk creation (one entry for a run of ids, see `changelog.record_created`) shows once per
    object of the run that is this object or its child, with the values it was created with.
    """
    model = type(instance)
    ct = ContentType.objects.get_for_model(instance)
    covered: dict[tuple[int, int], models.Model] = {(ct.pk, instance.pk): instance}
    bulk_children = (
        ObjectChange.objects.filter(related_content_type=ct, last_object_id__isnull=False)
        .order_by()
        .values_list("content_type", flat=True)
        .distinct()
    )
    for child_type in bulk_children:
        child_model = ContentType.objects.get_for_id(child_type).model_class()
        link = next(
            (
                f
                for f in (child_model._meta.concrete_fields if child_model else ())
                if f.many_to_one and f.related_model is model
            ),
            None,
        )
        if link is not None:
            for child in child_model._base_manager.filter(**{link.name: instance})[:limit]:
                covered[(child_type, child.pk)] = child
    query = Q(content_type=ct, object_id=instance.pk) | Q(
        related_content_type=ct, related_object_id=instance.pk
    )
    for type_id, pk in covered:
        query |= Q(
            content_type_id=type_id,
            last_object_id__isnull=False,
            object_id__lte=pk,
            last_object_id__gte=pk,
        )
    changes = list(
        ObjectChange.objects.filter(query).select_related("user", "content_type")[:limit]
    )
    if not any(c.last_object_id is not None for c in changes):
        return changes
    updates: dict[tuple[int, int], list[ObjectChange]] = {}
    later = Q(pk__in=[])
    for type_id, pk in covered:
        later |= Q(content_type_id=type_id, object_id=pk, action=ObjectChange.Action.UPDATE)
    for change in ObjectChange.objects.filter(later, last_object_id__isnull=True):
        updates.setdefault((change.content_type_id, change.object_id), []).append(change)
    entries: list[ObjectChange] = []
    for change in changes:
        if change.last_object_id is None:
            entries.append(change)
            continue
        for (type_id, pk), obj in covered.items():
            if (
                type_id == change.content_type_id
                and change.object_id <= pk <= change.last_object_id
            ):
                entry = copy.copy(change)
                entry.object_id = pk
                entry.object_repr = str(obj)[:200]
                entry.postchange_data = creation_values(obj, updates.get((type_id, pk), []))
                entries.append(entry)
    return entries[:limit]


def readable_diff(change: ObjectChange, user: Any) -> list[tuple[str, Any, Any]]:
    """A change's (field label, before, after) as a person reads them: choice labels, 是/否,
    the linked record's name (if the user may see it), personal data masked (for everyone:
    the current value is revealed, and logged, on the object's page)."""
    model = change.content_type.model_class()
    rows = []
    for name, before, after in change.diff():
        try:
            field = model._meta.get_field(name)
        except Exception:  # a field since removed
            rows.append((name, before, after))
            continue
        if name in personal_fields(model):
            rows.append(
                (
                    field.verbose_name,
                    mask(before, name) if before else before,
                    mask(after, name) if after else after,
                )
            )
            continue
        rows.append(
            (field.verbose_name, _readable(field, before, user), _readable(field, after, user))
        )
    return rows


def _readable(field: Any, value: Any, user: Any) -> Any:
    if value is None or value == "":
        return value
    if field.choices:
        labels = dict(field.flatchoices)
        if isinstance(value, list):
            return "、".join(str(labels.get(v, v)) for v in value)
        return labels.get(value, value)
    if isinstance(value, bool):
        return _("是") if value else _("否")
    if field.is_relation and field.many_to_one:
        related = field.related_model
        queryset = (
            related.objects.restrict(user, "view")
            if issubclass(related, BaseModel)
            else related.objects.all()
        )
        obj = queryset.filter(pk=value).first()
        return str(obj) if obj is not None else f"#{value}"
    if isinstance(value, list):
        return "、".join(str(v) for v in value)
    return value


class ObjectDetailView(LoginRequiredMixin, DetailView):
    """An object's fields, its related lists and its history. Out of scope is 404."""

    template_name = "core/object_detail.html"
    # Names of fields to show; None shows every concrete, editable field.
    fields: list[str] | None = None
    # Related lists: (title, attribute name or function of the object giving a queryset,
    # table class[, columns to leave out]).
    related: list[tuple] = []

    def get_queryset(self) -> models.QuerySet:
        return self.queryset.restrict(self.request.user, "view")

    def field_rows(self) -> list[tuple[str, Any]]:
        obj = self.object
        rows = []
        names = self.fields or [
            f.name
            for f in obj._meta.concrete_fields
            if f.editable and f.name not in ("id",) and not f.auto_created
        ]
        for name in names:
            field = obj._meta.get_field(name)
            display = getattr(obj, f"get_{name}_display", None)
            value = display() if display else getattr(obj, name)
            if name in obj.personal_fields and value:
                value = personal_cell(obj, name, self.request.user, value)
            rows.append((field.verbose_name, value))
        return rows

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = self.object
        user = self.request.user
        context["model_meta"] = obj._meta
        context["field_rows"] = self.field_rows()
        context["can_change"] = (
            type(obj).objects.restrict(user, "change").filter(pk=obj.pk).exists()
        )
        context["edit_url_name"] = f"{obj._meta.app_label}:{obj._meta.model_name}_edit"
        related = []
        for title, source, table_class, *exclude in self.related:
            qs = source(obj) if callable(source) else getattr(obj, source)
            qs = qs.all() if hasattr(qs, "all") else qs
            if issubclass(qs.model, BaseModel):
                qs = qs.restrict(user, "view")
            table = table_class(
                qs[:50], orderable=False, exclude=exclude[0] if exclude else (), user=user
            )
            related.append((title, table, qs.count()))
        context["related"] = related
        if user.has_perm("core.view_objectchange"):
            context["history"] = [
                (change, readable_diff(change, user)) for change in history_for(obj)
            ]
        return context


class ObjectEditView(LoginRequiredMixin):
    """Create or edit through a form; the result must still be within the user's scope."""

    template_name = "core/object_edit.html"
    form_class: Any = None
    queryset: models.QuerySet

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["user"] = self.request.user
        return kwargs

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["model_meta"] = self.queryset.model._meta
        return context

    def save_form(self, form: Any) -> BaseModel:
        """Save the form (and anything hanging on it); subclasses save formsets here."""
        return form.save()

    def form_valid(self, form: Any) -> HttpResponse:
        model = self.queryset.model
        with transaction.atomic():
            if form.instance.pk:
                current = model.objects.select_for_update().get(pk=form.instance.pk)
                loaded = form.cleaned_data.get("loaded_version")
                if loaded and current.updated.isoformat() != loaded:
                    form.add_error(
                        None,
                        _("这条记录在您编辑期间已被其他人修改。请重新打开页面,核对后再保存。"),
                    )
                    return self.form_invalid(form)
            self.object = self.save_form(form)
            if form.errors:
                transaction.set_rollback(True)
                return self.form_invalid(form)
            if (
                not model.objects.restrict(self.request.user, "view")
                .filter(pk=self.object.pk)
                .exists()
            ):
                transaction.set_rollback(True)
                form.add_error(None, _("保存后的记录超出了您的管辖范围,未保存。"))
                return self.form_invalid(form)
        messages.success(self.request, _("已保存。"))
        from django.shortcuts import redirect

        return redirect(self.object.get_absolute_url())


class FormsetsMixin:
    """An edit page whose form carries formsets (a household's people, a project's funds),
    validated together and saved in the same transaction, or not at all.

    `formset_classes` maps a prefix to (title, formset class); inline formsets get the object.
    """

    formset_classes: dict[str, tuple[str, Any]] = {}
    template_name = "core/object_edit.html"

    def get_formset_classes(self) -> dict[str, tuple[str, Any]]:
        return self.formset_classes

    def get_formsets(self) -> dict[str, Any]:
        from django.forms.models import BaseInlineFormSet

        posted = self.request.method == "POST"
        formsets = {}
        for prefix, (title, formset_class) in self.get_formset_classes().items():
            kwargs: dict[str, Any] = {
                "prefix": prefix,
                "form_kwargs": {"user": self.request.user},
            }
            if posted:
                kwargs.update(data=self.request.POST, files=self.request.FILES)
            if issubclass(formset_class, BaseInlineFormSet):
                parent = formset_class.fk.remote_field.model
                kwargs["instance"] = getattr(self, "object", None) or parent()
            formset = formset_class(**kwargs)
            formset.title = title
            formsets[prefix] = formset
        return formsets

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["formsets"] = kwargs.get("formsets") or self.get_formsets()
        return context

    def form_invalid(self, form: Any, formsets: dict[str, Any] | None = None) -> HttpResponse:
        formsets = formsets or getattr(self, "_formsets", None) or self.get_formsets()
        return self.render_to_response(self.get_context_data(form=form, formsets=formsets))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object() if "pk" in kwargs else None
        form = self.get_form()
        formsets = self.get_formsets()
        valid = form.is_valid()
        valid = all([fs.is_valid() for fs in formsets.values()]) and valid
        self._formsets = formsets
        if valid:
            return self.form_valid(form)
        return self.form_invalid(form, formsets)

    def save_form(self, form: Any) -> BaseModel:
        from django.forms.models import BaseInlineFormSet

        obj = form.save()
        for formset in self._formsets.values():
            if isinstance(formset, BaseInlineFormSet):
                formset.instance = obj
                formset.save()
        return obj


class ObjectCreateView(ObjectEditView, CreateView):
    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if request.user.is_authenticated and not request.user.has_perm(
            perm_name(self.queryset.model, "add")
        ):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class ObjectUpdateView(ObjectEditView, UpdateView):
    def get_queryset(self) -> models.QuerySet:
        return self.queryset.restrict(self.request.user, "change")


class SearchView(LoginRequiredMixin, View):
    """Options for a SearchWidget: objects within the user's scope matching what was typed."""

    def get(self, request: HttpRequest, model_label: str) -> HttpResponse:
        from django.apps import apps

        try:
            model = apps.get_model(model_label)
        except (LookupError, ValueError):
            raise Http404 from None
        search = getattr(model, "search", None)
        if search is None:
            raise Http404
        q = request.GET.get(request.GET.get("field", "q"), "") or request.GET.get("q", "")
        queryset = model.objects.restrict(request.user, "view")
        if request.GET.get("everywhere") and getattr(model, "public_search", False):
            queryset = (
                model.objects.all() if request.user.has_perm(perm_name(model, "view")) else queryset
            )
        results = search(queryset, q.strip())[:20]
        return render(request, "core/widgets/search_options.html", {"results": results})
