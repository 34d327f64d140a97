from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "bangfu.dashboard"
    label = "dashboard"
    verbose_name = _("统计")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from bangfu.dashboard.tallies import ensure_triggers

        post_migrate.connect(ensure_triggers, sender=self)
