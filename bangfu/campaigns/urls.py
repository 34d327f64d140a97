from bangfu.campaigns import views
from bangfu.core.urls import model_urls

app_name = "campaigns"

urlpatterns = model_urls(
    "pairing",
    views.PairingListView,
    views.PairingDetailView,
    views.PairingCreateView,
    views.PairingUpdateView,
)
