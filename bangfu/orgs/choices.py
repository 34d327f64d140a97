from django.db import models
from django.utils.translation import gettext_lazy as _


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class CadreRank(models.TextChoices):
    """Ranks of leading cadres (领导干部) in a provincial unit."""

    BUREAU_CHIEF = "bureau_chief", _("厅级正职")
    BUREAU_DEPUTY = "bureau_deputy", _("厅级副职")
    DIVISION_CHIEF = "division_chief", _("处级正职")
    DIVISION_DEPUTY = "division_deputy", _("处级副职")


class Specialty(models.TextChoices):
    """Professionals' specialties (专业人才)."""

    AGRONOMY = "agronomy", _("农业种植")
    ANIMAL_HUSBANDRY = "animal_husbandry", _("畜牧兽医")
    FORESTRY = "forestry", _("林业")
    HEALTH = "health", _("医疗卫生")
    WATER = "water", _("水利")
    EDUCATION = "education", _("教育")
    FINANCE = "finance", _("金融")
    LAW = "law", _("法律")
    CONSTRUCTION = "construction", _("建设规划")
    COMMERCE = "commerce", _("电商商贸")
    TOURISM = "tourism", _("乡村旅游")
    OTHER = "other", _("其他")
