from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ApiConfig(AppConfig):
    name = "bangfu.api"
    label = "api"
    verbose_name = _("接口")

    def ready(self) -> None:
        from bangfu.api import schema  # noqa: F401  (registers the token auth scheme)
