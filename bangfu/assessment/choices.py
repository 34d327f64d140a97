from django.db import models
from django.utils.translation import gettext_lazy as _


class IndicatorKind(models.TextChoices):
    MEASURE = "measure", _("按台账计算")
    MANUAL = "manual", _("人工评分")


class GradeMethod(models.TextChoices):
    THRESHOLDS = "thresholds", _("按分数线")
    RANK_SHARE = "rank_share", _("按名次比例")


class Grade(models.TextChoices):
    EXCELLENT = "excellent", _("优秀")
    GOOD = "good", _("良好")
    PASS = "pass", _("合格")
    FAIL = "fail", _("不合格")


class Subject(models.TextChoices):
    UNIT = "unit", _("单位")
    BRANCH = "branch", _("党支部")
