from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdAttribute(models.TextChoices):
    GENERAL = "general", _("一般贫困户")
    DIBAO = "dibao", _("低保贫困户")
    TEKUN = "tekun", _("特困供养贫困户")


class PovertyCause(models.TextChoices):
    ILLNESS = "illness", _("因病")
    DISABILITY = "disability", _("因残")
    SCHOOLING = "schooling", _("因学")
    DISASTER = "disaster", _("因灾")
    LACK_LAND = "lack_land", _("缺土地")
    LACK_WATER = "lack_water", _("缺水")
    LACK_SKILLS = "lack_skills", _("缺技术")
    LACK_LABOUR = "lack_labour", _("缺劳力")
    LACK_FUNDS = "lack_funds", _("缺资金")
    POOR_TRANSPORT = "poor_transport", _("交通条件落后")
    LACK_DRIVE = "lack_drive", _("自身发展动力不足")
    OTHER = "other", _("其他")


class HouseholdStatus(models.TextChoices):
    POOR = "poor", _("未脱贫")
    LIFTED = "lifted", _("已脱贫")
    RELAPSED = "relapsed", _("返贫")
    MONITORED = "monitored", _("监测对象")


class HousingSafety(models.TextChoices):
    SAFE = "safe", _("安全住房")
    GRADE_C = "grade_c", _("C级危房")
    GRADE_D = "grade_d", _("D级危房")
    NONE = "none", _("无房")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    SON = "son", _("之子")
    DAUGHTER = "daughter", _("之女")
    DAUGHTER_IN_LAW = "daughter_in_law", _("之儿媳")
    SON_IN_LAW = "son_in_law", _("之女婿")
    GRANDSON = "grandson", _("之孙子")
    GRANDDAUGHTER = "granddaughter", _("之孙女")
    FATHER = "father", _("之父")
    MOTHER = "mother", _("之母")
    SIBLING = "sibling", _("兄弟姐妹")
    OTHER = "other", _("其他")


class Health(models.TextChoices):
    HEALTHY = "healthy", _("健康")
    CHRONIC = "chronic", _("长期慢性病")
    SERIOUS = "serious", _("患有大病")
    DISABLED = "disabled", _("残疾")


class Disability(models.TextChoices):
    NONE = "", _("无")
    GRADE_1 = "1", _("一级")
    GRADE_2 = "2", _("二级")
    GRADE_3 = "3", _("三级")
    GRADE_4 = "4", _("四级")


class Education(models.TextChoices):
    PRESCHOOL = "preschool", _("学龄前儿童")
    ILLITERATE = "illiterate", _("文盲或半文盲")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("高中")
    COLLEGE = "college", _("大专及以上")


class Schooling(models.TextChoices):
    NOT_IN_SCHOOL = "", _("非在校生")
    PRESCHOOL = "preschool", _("学前教育")
    PRIMARY = "primary", _("小学")
    JUNIOR = "junior", _("初中")
    SENIOR = "senior", _("普通高中")
    VOCATIONAL = "vocational", _("中职")
    HIGHER = "higher", _("高职及大学")
    DROPPED_OUT = "dropped_out", _("辍学")


class LabourAbility(models.TextChoices):
    SKILLED = "skilled", _("技能劳动力")
    ORDINARY = "ordinary", _("普通劳动力")
    LOST = "lost", _("丧失劳动力")
    NONE = "none", _("无劳动力")


class PoorWhen(models.TextChoices):
    """Which side of a scoring sheet's threshold proposes a household as poor.

    "以下/以上" include the threshold itself, as in Chinese official usage (60分以下含60分).
    """

    AT_OR_BELOW = "at_or_below", _("得分在门槛分及以下为贫困")
    AT_OR_ABOVE = "at_or_above", _("得分在门槛分及以上为贫困")


class FactSource(models.TextChoices):
    """Where a scoring item's answer can be read from the registry (or not: manual)."""

    MANUAL = "manual", _("入户核实")
    HOUSING = "housing", _("住房安全")
    LABOUR = "labour", _("家庭劳动力")
    SCHOOLING = "schooling", _("家庭在校生")


class LabourFact(models.TextChoices):
    TWO_OR_MORE = "two_or_more", _("2个及以上劳动力")
    ONE = "one", _("1个劳动力")
    WEAK_ONLY = "weak_only", _("仅有弱劳动力")
    NONE = "none", _("无劳动力")


class SchoolingFact(models.TextChoices):
    NONE = "none", _("无在校生")
    COMPULSORY = "compulsory", _("有义务教育阶段在校生")
    SENIOR = "senior", _("有高中或中职在校生")
    HIGHER = "higher", _("有高职或大学在校生")


class ExitCheck(models.TextChoices):
    """The checks of an exit review (脱贫退出), each failing with its own message."""

    NO_PEOPLE = "no_people", _("家庭成员")
    INCOME_MISSING = "income_missing", _("收入数据")
    LINE_MISSING = "line_missing", _("贫困线标准")
    INCOME = "income", _("人均纯收入")
    FOOD = "food", _("不愁吃")
    CLOTHING = "clothing", _("不愁穿")
    EDUCATION = "education", _("义务教育有保障")
    MEDICAL = "medical", _("基本医疗有保障")
    HOUSING = "housing", _("住房安全有保障")
    WATER = "water", _("饮水安全有保障")
    VILLAGE_DATA_MISSING = "village_data_missing", _("村年度情况")
    INCIDENCE = "incidence", _("贫困发生率")


class RelapseLevel(models.TextChoices):
    """How a lifted-out household is flagged by relapse monitoring (防返贫监测), worst first."""

    RELAPSE = "relapse", _("有返贫风险")
    NO_DATA = "no_data", _("缺少数据")
    AT_RISK = "at_risk", _("收入临界")
