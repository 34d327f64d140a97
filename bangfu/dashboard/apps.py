from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardConfig(AppConfig):
    name = "bangfu.dashboard"
    label = "dashboard"
    verbose_name = _("统计")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate, pre_migrate

        from bangfu.dashboard.tallies import before_migrate, ensure_triggers

        pre_migrate.connect(before_migrate, sender=self)
        post_migrate.connect(ensure_triggers, sender=self)
