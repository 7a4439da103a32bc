from django.urls import path

from associations import views

app_name = "associations"

urlpatterns = [
    path("", views.mine, name="mine"),
    path("inscription/", views.apply, name="apply"),
    path("agir-pour/", views.act_for, name="act-for"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/inviter/", views.invite, name="invite"),
    path("<int:pk>/page-publique/", views.listing, name="listing"),
    path("<int:pk>/redemander/", views.reapply, name="reapply"),
    path("<int:pk>/invitations/<int:invitation_pk>/retirer/", views.revoke, name="revoke"),
    path("<int:pk>/membres/<int:membership_pk>/retirer/", views.remove_member, name="remove"),
    path("invitation/<str:token>/", views.invitation, name="invitation"),
]

staff_urlpatterns = (
    [
        path("associations/", views.staff_queue, name="queue"),
        path("associations/verifiees/", views.staff_verified, name="verified"),
        path("associations/<int:pk>/", views.staff_review, name="review"),
        path("associations/<int:pk>/verifier/", views.staff_verify, name="verify"),
        path("associations/<int:pk>/refuser/", views.staff_refuse, name="refuse"),
        path(
            "associations/<int:pk>/mineurs/agreer/",
            views.staff_accredit_minors,
            name="accredit-minors",
        ),
        path(
            "associations/<int:pk>/mineurs/retirer/",
            views.staff_withdraw_minors,
            name="withdraw-minors",
        ),
    ],
    "associations-staff",
)
