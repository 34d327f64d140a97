from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "bangfu.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from django.utils.module_loading import autodiscover_modules

        from bangfu.core import changelog

        changelog.connect_signals()
        # Each app's layouts.py declares its spreadsheet layouts (imports and exports).
        autodiscover_modules("layouts")
        from bangfu.core.imports import register_jobs

        register_jobs()
        # Columns copied from related rows are kept by database triggers (core.derived).
        from django.db.models.signals import post_migrate, pre_migrate

        from bangfu.core import derived

        pre_migrate.connect(derived.before_migrate, sender=self)
        post_migrate.connect(derived.after_migrate, sender=self)
