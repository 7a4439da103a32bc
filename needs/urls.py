from django.urls import path

from needs import views

app_name = "needs"

urlpatterns = [
    path("", views.public, name="public"),
    path("association/", views.association_list, name="list"),
    path("nouveau/", views.create_kind, name="create"),
    path("nouveau/<str:kind>/", views.create_details, name="create-details"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/modifier/", views.edit, name="edit"),
    path("<int:pk>/publier/", views.act, {"action": "publish"}, name="publish"),
    path("<int:pk>/cloturer/", views.act, {"action": "close"}, name="close"),
    path("<int:pk>/pourvu/", views.act, {"action": "fulfil"}, name="fulfil"),
    path("<int:pk>/annuler/", views.act, {"action": "cancel"}, name="cancel"),
    path("<int:pk>/rouvrir/", views.act, {"action": "reopen"}, name="reopen"),
]

staff_urlpatterns = (
    [
        path("besoins/", views.staff_list, name="list"),
        path("besoins/nouveau/", views.staff_intake, name="intake"),
        path("besoins/<int:pk>/note/", views.staff_clean_note, name="clean-note"),
    ],
    "needs-staff",
)
