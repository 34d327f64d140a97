from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CampaignsConfig(AppConfig):
    name = "bangfu.campaigns"
    label = "campaigns"
    verbose_name = _("帮扶行动")

    def ready(self) -> None:
        # Registers the "solver" background job.
        from bangfu.campaigns import solver_runs  # noqa: F401
