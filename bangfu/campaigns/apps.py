from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "bangfu.campaigns"
    label = "campaigns"
    verbose_name = _("帮扶行动")
