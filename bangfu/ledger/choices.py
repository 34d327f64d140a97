from django.db import models
from django.utils.translation import gettext_lazy as _


class ActivityKind(models.TextChoices):
    STAY = "stay", _("蹲点调研")
    EXPERT_VISIT = "expert_visit", _("专业人才帮难")
    SERVICE_VISIT = "service_visit", _("党员服务")
    SURVEY = "survey", _("走访摸底")
    POLICY_SUPPORT = "policy_support", _("政策和信息支持")
    TECH_SERVICE = "tech_service", _("技术服务")
    DEV_IDEA = "dev_idea", _("完善发展思路")
    PARTY_BUILDING = "party_building", _("党建帮扶")
    FUNDS = "funds", _("引进资金")


class ReviewState(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已通过")
    RETURNED = "returned", _("已退回")


class FundSource(models.TextChoices):
    FISCAL = "fiscal", _("财政资金")
    UNIT = "unit", _("单位自筹")
    SOCIAL = "social", _("社会捐助")
    CREDIT = "credit", _("信贷资金")
    ENTERPRISE = "enterprise", _("企业投资")
    OTHER = "other", _("其他")


class ProblemCategory(models.TextChoices):
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    INDUSTRY = "industry", _("产业发展")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    HOUSING = "housing", _("住房")
    WATER = "water", _("饮水")
    EMPLOYMENT = "employment", _("就业")
    DISPUTE = "dispute", _("矛盾纠纷")
    PARTY_BUILDING = "party_building", _("基层党建")
    OTHER = "other", _("其他")


class ProblemState(models.TextChoices):
    OPEN = "open", _("待解决")
    IN_PROGRESS = "in_progress", _("解决中")
    SOLVED = "solved", _("已解决")
    VERIFIED = "verified", _("已核实")


class ProjectOrigin(models.TextChoices):
    PLANNED = "planned", _("谋划")
    INTRODUCED = "introduced", _("引进")
    GENERATED = "generated", _("生成")


class ProjectSector(models.TextChoices):
    AGRICULTURE = "agriculture", _("种植业")
    LIVESTOCK = "livestock", _("养殖业")
    INFRASTRUCTURE = "infrastructure", _("基础设施")
    TOURISM = "tourism", _("乡村旅游")
    PROCESSING = "processing", _("农产品加工")
    ECOMMERCE = "ecommerce", _("电子商务")
    EDUCATION = "education", _("教育")
    HEALTH = "health", _("医疗卫生")
    OTHER = "other", _("其他")


class ProjectState(models.TextChoices):
    PLANNED = "planned", _("谋划中")
    UNDER_WAY = "under_way", _("实施中")
    COMPLETED = "completed", _("已完成")
    SUSPENDED = "suspended", _("已中止")
