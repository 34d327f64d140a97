from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoopsConfig(AppConfig):
    name = "bangfu.coops"
    label = "coops"
    verbose_name = _("合作社与资金折股")
