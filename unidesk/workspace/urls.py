from django.contrib.auth import views as auth_views
from django.urls import path

from unidesk.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.queues, name="queues"),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("next/", views.next_ticket, name="next"),
    path("inbox/", views.inbox, name="inbox"),
    path("inbox/bulk/", views.inbox_bulk, name="bulk"),
    path("tickets/<int:ticket_id>/", views.ticket, name="ticket"),
    path("tickets/<int:ticket_id>/reply/", views.ticket_reply, name="reply"),
    path("tickets/<int:ticket_id>/update/", views.ticket_update, name="update"),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/original/",
        views.message_original,
        name="original",
    ),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/retry/",
        views.delivery_retry,
        name="retry",
    ),
    path(
        "tickets/<int:ticket_id>/attachments/<int:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
    path("abuse/", views.abuse_report, name="abuse"),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("customers/<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("preferences/", views.preferences, name="preferences"),
]
