"""The same permissions as the pages: the model's view/add/change permission for the method."""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

METHOD_ACTIONS = {
    "GET": "view",
    "HEAD": "view",
    "OPTIONS": "view",
    "POST": "add",
    "PUT": "change",
    "PATCH": "change",
    "DELETE": "delete",
}


def perm(model: Any, action: str) -> str:
    return f"{model._meta.app_label}.{action}_{model._meta.model_name}"


class ModelPermission(BasePermission):
    """Signed in, may view the model, and may do what the method asks (add, change)."""

    def has_permission(self, request: Any, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        model = view.resource.model
        action = getattr(view, "permission_action", None) or METHOD_ACTIONS.get(
            request.method, "view"
        )
        return user.has_perm(perm(model, "view")) and user.has_perm(perm(model, action))
