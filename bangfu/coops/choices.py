from django.db import models
from django.utils.translation import gettext_lazy as _


class CoopSector(models.TextChoices):
    PLANTING = "planting", _("种植业")
    BREEDING = "breeding", _("养殖业")
    PROCESSING = "processing", _("农产品加工")
    TOURISM = "tourism", _("乡村旅游")
    HANDICRAFT = "handicraft", _("手工业")
    OTHER = "other", _("其他")


class MemberKind(models.TextChoices):
    POOR_HOUSEHOLD = "poor_household", _("贫困户")
    FARMER = "farmer", _("其他农户")
    COLLECTIVE = "collective", _("村集体")
    ENTERPRISE = "enterprise", _("企业或能人大户")


class PaymentMethod(models.TextChoices):
    BANK = "bank", _("银行转账")
    CARD = "card", _("惠民惠农一卡通")
    CASH = "cash", _("现金")
    OTHER = "other", _("其他")
