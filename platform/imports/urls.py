from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("", views.job_list, name="list"),
    path("nouveau/", views.job_new, name="new"),
    path("modele-<slug:target>.csv", views.template_file, name="template"),
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/colonnes/", views.job_mapping, name="mapping"),
    path("<int:pk>/progression/", views.job_progress, name="progress"),
    path("<int:pk>/importer/", views.job_start, name="start"),
    path("<int:pk>/annuler/", views.job_cancel, name="cancel"),
    path("<int:pk>/supprimer/", views.job_delete, name="delete"),
    path("<int:pk>/lignes-ecartees.csv", views.job_report, name="report"),
]
