from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/lu/", views.mark_read, name="mark-read"),
    path("tout-lu/", views.mark_all_read, name="mark-all-read"),
    path("preferences/", views.preferences, name="preferences"),
    path("desabonnement/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("webhooks/email/", views.email_webhook, name="email-webhook"),
]

staff_urlpatterns = (
    [
        path("notifications/", views.staff_statuses, name="statuses"),
        path("notifications/<int:pk>/renvoyer/", views.staff_resend, name="resend"),
        path("appels-urgents/", views.staff_urgent_calls, name="urgent-calls"),
        path("appels-urgents/audience/", views.staff_urgent_call_audience, name="urgent-audience"),
    ],
    "notifications-staff",
)
