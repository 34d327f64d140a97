from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    OFFICE = "office", _("工委管理员")
    UNIT_ADMIN = "unit_admin", _("单位管理员")
    BRANCH_SECRETARY = "branch_secretary", _("支部书记")
    VILLAGE_TEAM = "village_team", _("驻村工作队")
    MEMBER = "member", _("党员干部")
    VIEWER = "viewer", _("领导(只读)")
