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
