from django.urls import path

from privacy import views

app_name = "privacy"

urlpatterns = [
    path("compte/mes-donnees/", views.my_data, name="my-data"),
    path("compte/mes-donnees.json", views.my_data_json, name="my-data-json"),
    path("compte/supprimer/", views.erase_account, name="erase"),
    path("compte/supprime/", views.erased, name="erased"),
    path("associations/<int:pk>/donnees/", views.organisation_data, name="organisation-data"),
    path(
        "associations/<int:pk>/donnees.json",
        views.organisation_data_json,
        name="organisation-data-json",
    ),
    path("associations/<int:pk>/fermer/", views.organisation_close, name="organisation-close"),
]

staff_urlpatterns = (
    [
        path("journal/", views.audit_page, name="audit"),
        path("journal.csv", views.audit_csv, name="audit-csv"),
        path("conservation/", views.retention, name="retention"),
        path("appelants/", views.caller, name="caller"),
        path("comptes/effacer/", views.staff_erase_account, name="erase-account"),
    ],
    "privacy-staff",
)
