from django.urls import path

from matching import staff_views, views

app_name = "matching"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("<int:pk>/", views.proposal, name="proposal"),
    path("<int:pk>/terminer/", views.complete, name="complete"),
    path("<int:pk>/accord/", views.agreement, name="agreement"),
    path("<int:pk>/<str:decision>/", views.answer, name="answer"),
    path("suivi/<str:token>/", views.check_in, name="check-in"),
    path("logement-libre/<str:token>/", views.room, name="room"),
]

staff_urlpatterns = (
    [
        path("mises-en-relation/", staff_views.workbench, name="workbench"),
        path("mises-en-relation/lancer/", staff_views.run_batch, name="run-batch"),
        path("mises-en-relation/proposer/", staff_views.propose, name="propose"),
        path(
            "mises-en-relation/proposer-selection/",
            staff_views.propose_selected,
            name="propose-selected",
        ),
        path("mises-en-relation/a-appeler/", staff_views.to_call, name="to-call"),
        path("mises-en-relation/en-attente/", staff_views.awaiting, name="awaiting"),
        path("recherche/", staff_views.search, name="search"),
        path("mises-en-relation/besoin/<int:pk>/", staff_views.need, name="need"),
        path("mises-en-relation/besoin/<int:pk>/associer/", staff_views.pair, name="pair"),
        path("mises-en-relation/offre/<int:pk>/", staff_views.offer, name="offer"),
        path("mises-en-relation/<int:pk>/", staff_views.match, name="match"),
        path("mises-en-relation/<int:pk>/annuler/", staff_views.cancel, name="cancel"),
        path("mises-en-relation/<int:pk>/terminer/", staff_views.complete, name="complete"),
        path(
            "mises-en-relation/<int:pk>/repondre/<str:decision>/",
            staff_views.answer_for,
            name="answer-for",
        ),
        path("mises-en-relation/<int:pk>/logement/", staff_views.room_answer, name="room"),
        path(
            "mises-en-relation/<int:pk>/suivi/<int:check>/",
            staff_views.check_in_for,
            name="check-in-for",
        ),
    ],
    "matching-staff",
)
