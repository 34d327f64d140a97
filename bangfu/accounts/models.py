"""Users: a role (a group of permissions) plus a scope (what part of the campaign they reach)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser, Group
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bangfu.accounts.choices import Role
from bangfu.core.scope import Scope


class User(AbstractUser):
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices, default=Role.VIEWER)
    region = models.ForeignKey(
        "geo.Region",
        verbose_name=_("负责区域"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("领导按区域查看;驻村工作队填写所驻的村。"),
    )
    unit = models.ForeignKey(
        "orgs.Unit",
        verbose_name=_("单位"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    branch = models.ForeignKey(
        "orgs.Branch",
        verbose_name=_("党支部"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    member = models.ForeignKey(
        "orgs.Member",
        verbose_name=_("对应党员干部"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="users",
    )

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = pgettext_lazy("plural", "用户")

    def clean(self) -> None:
        super().clean()
        needs = {
            Role.UNIT_ADMIN: ("unit", _("单位管理员须指定单位。")),
            Role.BRANCH_SECRETARY: ("branch", _("支部书记须指定党支部。")),
            Role.MEMBER: ("member", _("党员干部账号须对应一名党员干部。")),
            Role.VILLAGE_TEAM: ("region", _("驻村工作队须指定所驻的村。")),
        }
        if self.role == Role.VIEWER and not (self.region_id or self.unit_id):
            raise ValidationError({"region": _("领导账号须指定查看的区域(全省请选贵州省)或单位。")})
        if self.role in needs:
            field, message = needs[Role(self.role)]
            if getattr(self, f"{field}_id") is None:
                raise ValidationError({field: message})
        if self.role == Role.VILLAGE_TEAM and self.region_id and self.region.level != "village":
            raise ValidationError({"region": _("驻村工作队须指定所驻的村。")})

    def save(self, *args, **kwargs) -> None:
        super().save(*args, **kwargs)
        group = Group.objects.filter(name=f"role:{self.role}").first()
        if group is not None:
            current = set(self.groups.filter(name__startswith="role:").values_list("pk", flat=True))
            if current != {group.pk}:
                self.groups.remove(*current)
                self.groups.add(group)

    @cached_property
    def scope(self) -> Scope:
        """The part of the campaign this user reaches, from role and scope fields."""
        if self.is_superuser or self.role == Role.OFFICE:
            return Scope.all()
        if self.role == Role.VIEWER:
            if self.region_id:
                return Scope.region(self.region.code, self.region.level)
            if self.unit_id:
                return Scope.unit(self.unit_id)
            return Scope.none()
        if self.role == Role.UNIT_ADMIN and self.unit_id:
            return Scope.unit(self.unit_id)
        if self.role == Role.BRANCH_SECRETARY and self.branch_id:
            return Scope.branch(self.branch_id, self.branch.unit_id)
        if self.role == Role.MEMBER and self.member_id:
            return Scope.branch(self.member.branch_id, self.member.branch.unit_id)
        if self.role == Role.VILLAGE_TEAM and self.region_id:
            return Scope.region(self.region.code, self.region.level)
        return Scope.none()


class AccessKind(models.TextChoices):
    REVEAL = "reveal", _("显示")
    EXPORT = "export", _("导出")


class AccessLog(models.Model):
    """A reveal of unmasked personal data: one field of one record shown, or an export that
    carried the data unmasked. Written by bangfu.core.personal, browsed by the office."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        User, verbose_name=_("用户"), on_delete=models.PROTECT, related_name="access_logs"
    )
    kind = models.CharField(_("方式"), max_length=10, choices=AccessKind.choices)
    content_type = models.ForeignKey(
        "contenttypes.ContentType",
        verbose_name=_("对象类型"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    object_id = models.BigIntegerField(_("对象编号"), null=True, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    fields = models.JSONField(_("字段"), default=list)
    export_format = models.CharField(_("格式"), max_length=10, blank=True)
    filters = models.JSONField(_("筛选条件"), default=dict, blank=True)
    row_count = models.PositiveIntegerField(_("记录数"), null=True, blank=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    path = models.CharField(_("请求地址"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = pgettext_lazy("plural", "个人信息访问记录")
        ordering = ("-time", "-pk")

    def __str__(self) -> str:
        return f"{self.user} {self.get_kind_display()} {self.object_repr}"


class LoginFailure(models.Model):
    """A failed login, counted per account name and per address for the lockout."""

    time = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)
    username = models.CharField(_("用户名"), max_length=150, db_index=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True, db_index=True)

    class Meta:
        verbose_name = _("登录失败")
        verbose_name_plural = pgettext_lazy("plural", "登录失败")
        ordering = ("-time",)

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.time:%Y-%m-%d %H:%M}"
