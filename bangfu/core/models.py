"""Base classes every domain model uses: timestamps, scoped querysets, change log."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.core.scope import Scope

if TYPE_CHECKING:
    from bangfu.accounts.models import User


class RestrictedQuerySet(models.QuerySet):
    """The one place where a user's permissions and scope narrow a queryset."""

    def restrict(self, user: User, action: str = "view") -> RestrictedQuerySet:
        model = self.model
        if not user or not user.is_authenticated or not user.is_active:
            return self.none()
        perm = f"{model._meta.app_label}.{action}_{model._meta.model_name}"
        if not user.has_perm(perm):
            return self.none()
        queryset = self.filter(model.scope_q(user.scope))
        if action != "view":
            queryset = queryset.filter(model.edit_q(user))
        return queryset


class BaseModel(models.Model):
    """Timestamps, scope and change logging for every domain model.

    Subclasses name how they reach a region code, a unit and a branch; `scope_q` turns a
    user's scope into a filter. Models whose scope is not a simple path override `scope_q`.
    """

    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = RestrictedQuerySet.as_manager()

    # Paths used by the default scope_q; None means "this scope kind does not apply".
    scope_region_path: str | None = None
    scope_unit_path: str | None = None
    scope_branch_path: str | None = None
    # Fields left out of the change log (large or derived).
    changelog_exclude: tuple[str, ...] = ("created", "updated")
    # Personal data: masked everywhere (pages, history, exports) without the right to see it.
    personal_fields: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def get_absolute_url(self) -> str:
        return reverse(f"{self._meta.app_label}:{self._meta.model_name}_detail", args=[self.pk])

    @classmethod
    def edit_q(cls, user: User) -> Q:
        """Which in-scope objects the user may change, beyond scope (e.g. only their own)."""
        return Q()

    @classmethod
    def for_choices(cls, queryset: models.QuerySet) -> models.QuerySet:
        """The queryset a select box lists: joins what __str__ needs (no query per option)."""
        return queryset

    @classmethod
    def scope_q(cls, scope: Scope) -> Q:
        if scope.everything:
            return Q()
        if scope.nothing:
            return Q(pk__in=[])
        if scope.region_prefix is not None:
            if cls.scope_region_path is None:
                return Q(pk__in=[])
            return Q(**{f"{cls.scope_region_path}__startswith": scope.region_prefix})
        if scope.branch_id is not None and cls.scope_branch_path is not None:
            return Q(**{cls.scope_branch_path: scope.branch_id})
        if scope.unit_id is not None and cls.scope_unit_path is not None:
            return Q(**{cls.scope_unit_path: scope.unit_id})
        return Q(pk__in=[])

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> BaseModel:
        instance = super().from_db(db, field_names, values)
        # The row as loaded (cheap: no copy of values); the change log's "before" is built
        # from it only when the object is saved.
        instance._loaded_values = dict(zip(field_names, values, strict=True))
        return instance

    def refresh_from_db(self, *args: Any, fields: Any = None, **kwargs: Any) -> None:
        super().refresh_from_db(*args, fields=fields, **kwargs)
        loaded = getattr(self, "_loaded_values", None)
        if loaded is not None:  # fields loaded later (deferred, refreshed) join the "before"
            names = set(fields) if fields else None
            for f in self._meta.concrete_fields:
                if names is None or f.name in names or f.attname in names:
                    loaded[f.attname] = getattr(self, f.attname)

    def changelog_data(self) -> dict[str, Any]:
        """The object's current fields as JSON-safe values (deferred fields left out)."""
        from bangfu.core.changelog import serialize_instance

        return serialize_instance(self)

    def changelog_before(self) -> dict[str, Any] | None:
        """The fields as they were loaded from the database, JSON-safe; None if never loaded."""
        from bangfu.core.changelog import serialize_values

        loaded = getattr(self, "_loaded_values", None)
        return None if loaded is None else serialize_values(type(self), loaded)

    def changelog_saved(self) -> None:
        """After a logged save, the current state is the next change's "before"."""
        deferred = self.get_deferred_fields()
        self._loaded_values = {
            f.attname: getattr(self, f.attname)
            for f in self._meta.concrete_fields
            if f.attname not in deferred
        }

    def changelog_parent(self) -> models.Model | None:
        """The object whose history should also show this object's changes (a person's household)."""
        return None


class ObjectChange(models.Model):
    """One create, update or delete of a domain object: who, when, before and after."""

    class Action(models.TextChoices):
        CREATE = "create", _("创建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="changes",
    )
    user_name = models.CharField(_("用户名"), max_length=150, blank=True)
    request_id = models.UUIDField(_("请求编号"), null=True, blank=True)
    action = models.CharField(_("操作"), max_length=10, choices=Action.choices)
    content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", verbose_name=_("对象类型")
    )
    object_id = models.BigIntegerField(_("对象编号"))
    # A bulk creation (an import of many rows) is one entry for a run of ids created together:
    # object_id is the first, last_object_id the last. Each object's page shows the entry with
    # the values it was created with (its values now, with later logged changes undone).
    last_object_id = models.BigIntegerField(_("最后一个对象编号"), null=True, blank=True)
    changed_object = GenericForeignKey("content_type", "object_id")
    object_repr = models.CharField(_("对象"), max_length=200)
    related_content_type = models.ForeignKey(
        ContentType, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    related_object_id = models.BigIntegerField(null=True, blank=True)
    prechange_data = models.JSONField(_("修改前"), null=True, blank=True)
    postchange_data = models.JSONField(_("修改后"), null=True, blank=True)

    class Meta:
        ordering = ["-time", "-pk"]
        verbose_name = _("变更记录")
        verbose_name_plural = pgettext_lazy("plural", "变更记录")
        indexes = [
            models.Index(fields=["content_type", "object_id"], name="objectchange_object"),
            models.Index(
                fields=["related_content_type", "related_object_id"], name="objectchange_related"
            ),
            models.Index(
                fields=["content_type", "object_id", "last_object_id"],
                condition=models.Q(last_object_id__isnull=False),
                name="objectchange_bulk",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.object_repr}"

    def type_label(self) -> str:
        model = self.content_type.model_class()
        return str(model._meta.verbose_name) if model else self.content_type.model

    def diff(self) -> list[tuple[str, Any, Any]]:
        """Fields whose value changed, as (field, before, after)."""
        before = self.prechange_data or {}
        after = self.postchange_data or {}
        keys = list(dict.fromkeys([*before.keys(), *after.keys()]))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class Job(models.Model):
    """Long work (imports, exports) run outside the request, with visible progress.

    A job runs in its own process (`bangfu run-job ID`); its writes are one transaction, so
    a job that fails or whose process dies leaves the database as it was.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("任务类型"), max_length=40)
    params = models.JSONField(_("参数"), default=dict)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        on_delete=models.CASCADE,
        related_name="jobs",
    )
    state = models.CharField(
        _("状态"), max_length=10, choices=State.choices, default=State.QUEUED, db_index=True
    )
    progress = models.PositiveIntegerField(_("进度"), default=0)
    total = models.PositiveIntegerField(_("总量"), default=0)
    message = models.CharField(_("说明"), max_length=500, blank=True)
    result = models.JSONField(_("结果"), null=True, blank=True)
    created = models.DateTimeField(_("创建时间"), auto_now_add=True)
    started = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished = models.DateTimeField(_("结束时间"), null=True, blank=True)
    heartbeat = models.DateTimeField(_("心跳"), null=True, blank=True)

    class Meta:
        ordering = ["-created"]
        verbose_name = _("后台任务")
        verbose_name_plural = pgettext_lazy("plural", "后台任务")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        if self.state == self.State.SUCCEEDED:
            return 100
        return min(99, int(self.progress * 100 / self.total)) if self.total else 0

    @property
    def is_done(self) -> bool:
        return self.state in (self.State.SUCCEEDED, self.State.FAILED)

    def is_stale(self, seconds: int = 120) -> bool:
        """A running job whose process stopped reporting: it died (its transaction was lost)."""
        from django.utils import timezone

        if self.state != self.State.RUNNING or self.heartbeat is None:
            return False
        return (timezone.now() - self.heartbeat).total_seconds() > seconds
