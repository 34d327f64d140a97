from django.urls import path

from bangfu.assessment import views

app_name = "assessment"

urlpatterns = [
    path("", views.SchemeListView.as_view(), name="scheme_list"),
    path("schemes/add/", views.SchemeCreateView.as_view(), name="scheme_add"),
    path("schemes/<int:pk>/", views.SchemeDetailView.as_view(), name="scheme_detail"),
    path("schemes/<int:pk>/edit/", views.SchemeUpdateView.as_view(), name="scheme_edit"),
    path("schemes/<int:pk>/copy/", views.SchemeCopyView.as_view(), name="scheme_copy"),
    path("schemes/<int:pk>/hand-scores/", views.HandScoreView.as_view(), name="hand_scores"),
    path("schemes/<int:pk>/freeze/", views.FreezeView.as_view(), name="freeze"),
    path(
        "schemes/<int:scheme>/indicators/add/",
        views.IndicatorCreateView.as_view(),
        name="indicator_add",
    ),
    path("indicators/<int:pk>/edit/", views.IndicatorUpdateView.as_view(), name="indicator_edit"),
    path(
        "indicators/<int:pk>/delete/", views.IndicatorDeleteView.as_view(), name="indicator_delete"
    ),
    path("results/<int:pk>/", views.ResultSetDetailView.as_view(), name="resultset_detail"),
    path("results/<int:pk>/publish/", views.PublishView.as_view(), name="publish"),
    path("scores/<int:pk>/", views.ResultDetailView.as_view(), name="result_detail"),
    path(
        "scores/<int:pk>/indicators/<int:indicator>/records/",
        views.RecordsView.as_view(),
        name="records",
    ),
]
