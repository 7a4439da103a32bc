from django.urls import path

from offers import staff_views, views

app_name = "offers"

urlpatterns = [
    path("", views.my_offers, name="mine"),
    path("nouvelle/", views.create, name="create"),
    path("charte/", views.charter, name="charter"),
    path("nouvelle/<str:kind>/", views.create_details, name="create-details"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/envoyer/", views.review, name="review"),
    path("<int:pk>/<str:action>/", views.act, name="act"),
    path("disponibilite/<str:token>/", views.availability, name="availability"),
    path("reprendre/<str:token>/", views.take_over, name="take-over"),
]

staff_urlpatterns = (
    [
        path("offres/", staff_views.queue, name="queue"),
        path("offres/recherche/", staff_views.search, name="search"),
        path("offres/apercu/", staff_views.bulk_preview, name="bulk-preview"),
        path("offres/publier/", staff_views.bulk_approve, name="bulk-approve"),
        path("offres/a-rappeler/", staff_views.call_back, name="call-back"),
        path(
            "offres/a-rappeler/<int:pk>/",
            staff_views.call_back_answer,
            name="call-back-answer",
        ),
        path("offres/telephone/", staff_views.phone_intake, name="phone"),
        path("offres/charte/", staff_views.charter, name="charter"),
        path("offres/doublons/", staff_views.duplicates, name="duplicates"),
        path("offres/<int:pk>/", staff_views.detail, name="detail"),
        path("offres/<int:pk>/contact/", staff_views.reveal_contact, name="contact"),
        path("offres/<int:pk>/<str:decision>/", staff_views.moderate, name="moderate"),
    ],
    "offers-staff",
)
