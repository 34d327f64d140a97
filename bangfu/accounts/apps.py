from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "bangfu.accounts"
    label = "accounts"
    verbose_name = _("用户与权限")

    def ready(self) -> None:
        from bangfu.accounts.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, dispatch_uid="bangfu_sync_role_groups")
        # Registers the deploy check that refuses the development secret key.
        from bangfu.core import security  # noqa: F401
