from django.urls import path

from bangfu.coops import views
from bangfu.core.urls import model_urls

app_name = "coops"

urlpatterns = [
    *model_urls(
        "cooperative",
        views.CooperativeListView,
        views.CooperativeDetailView,
        views.CooperativeCreateView,
        views.CooperativeUpdateView,
        plural="cooperatives",
    ),
    path("cooperatives/<int:pk>/members/add/", views.member_add, name="member_add"),
    path("cooperatives/<int:pk>/funds/add/", views.fund_add, name="fund_add"),
    path("cooperatives/<int:pk>/grant/", views.grant, name="grant"),
    path("cooperatives/<int:pk>/dividends/", views.run_dividends, name="run"),
    path("holdings/<int:pk>/end/", views.holding_end, name="holding_end"),
    path("dividends/", views.DividendRunListView.as_view(), name="dividendrun_list"),
    path("dividends/<int:pk>/", views.DividendRunDetailView.as_view(), name="dividendrun_detail"),
    path("dividends/<int:pk>/payments/", views.record_payments, name="payments"),
]
