from django.db import models
from django.utils.translation import gettext_lazy as _


class PairingKind(models.TextChoices):
    """The five pairings of the Five Thousand Action (五千行动)."""

    BRANCH_VILLAGE = "branch_village", _("支部结对帮村")
    SECRETARY_HOUSEHOLD = "secretary_household", _("支部书记牵头帮户")
    CADRE_STAY = "cadre_stay", _("领导干部进村蹲点")
    EXPERT_VISIT = "expert_visit", _("专业人才进村帮难")
    MEMBER_SERVICE = "member_service", _("党员进村服务")


class PairingOrigin(models.TextChoices):
    CLAIMED = "claimed", _("认领")
    ASSIGNED = "assigned", _("分配")


class PairingState(models.TextChoices):
    """A claim waits for the unit committee; the office's assignments start approved."""

    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已生效")
    REJECTED = "rejected", _("已驳回")


class SolverRunState(models.TextChoices):
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("计算中")
    PROPOSED = "proposed", _("待审阅")
    INFEASIBLE = "infeasible", _("无可行方案")
    FAILED = "failed", _("失败")
    ACCEPTED = "accepted", _("已采纳")
