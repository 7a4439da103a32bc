from django.urls import path, re_path

from reports import views

app_name = "reports"

urlpatterns = [
    path("statistiques/", views.public_statistics, name="statistics"),
    path("donnees-ouvertes/", views.open_data, name="open-data"),
    path("donnees-ouvertes/schema.json", views.open_data_schema, name="schema"),
    path("donnees-ouvertes/datapackage.json", views.open_data_package, name="datapackage"),
    re_path(
        r"^donnees-ouvertes/tous-les-mois\.(?P<file_format>csv|json)$",
        views.open_data_all,
        name="all-months",
    ),
    re_path(
        r"^donnees-ouvertes/(?P<month>\d{4}-\d{2})\.(?P<file_format>csv|json)$",
        views.open_data_month,
        name="month",
    ),
]

staff_urlpatterns = (
    [
        path("tableau-de-bord/", views.staff_dashboard, name="dashboard"),
        path("tableau-de-bord/<slug:table>.csv", views.staff_export, name="export"),
        path("reseau/", views.network, name="network"),
        path("reseau/<int:pk>/supprimer/", views.network_delete, name="network-delete"),
    ],
    "reports-staff",
)
