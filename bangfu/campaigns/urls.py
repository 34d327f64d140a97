from bangfu.campaigns import views
from bangfu.campaigns.claim_views import claim_urlpatterns
from bangfu.campaigns.plan_views import plan_urlpatterns
from bangfu.campaigns.progress_views import progress_urlpatterns
from bangfu.campaigns.solver_views import solver_urlpatterns
from bangfu.core.urls import model_urls

app_name = "campaigns"

urlpatterns = model_urls(
    "pairing",
    views.PairingListView,
    views.PairingDetailView,
    views.PairingCreateView,
    views.PairingUpdateView,
)
urlpatterns += progress_urlpatterns
urlpatterns += claim_urlpatterns
urlpatterns += plan_urlpatterns
urlpatterns += solver_urlpatterns
