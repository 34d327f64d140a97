"""/api/v1/: every resource (bangfu.api.resources), the tokens, the schema and its docs."""

from django.urls import include, path
from drf_spectacular.views import (
    SpectacularAPIView,
    SpectacularSwaggerSplitView,
)
from rest_framework.routers import DefaultRouter

from bangfu.api import token_views
from bangfu.api.resources import RESOURCES
from bangfu.api.views import make_viewset
from bangfu.ledger.models import Activity

app_name = "api"

router = DefaultRouter()
for resource in RESOURCES:
    router.register(
        resource.prefix,
        make_viewset(resource, bulk=resource.model is Activity),
        basename=resource.basename,
    )
router.register("tokens", token_views.TokenViewSet, basename="token")

urlpatterns = [
    path("v1/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("v1/docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("v1/", include(router.urls)),
    path("tokens/", token_views.token_page, name="tokens"),
    path("tokens/<int:pk>/revoke/", token_views.token_revoke, name="token_revoke"),
]
