from django.contrib.auth import views as auth_views
from django.urls import path

from unidesk.workspace import staffing_views, views

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
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/original.eml",
        views.message_raw,
        name="message_raw",
    ),
    path(
        "tickets/<int:ticket_id>/messages/<int:message_id>/html/",
        views.message_html,
        name="message_html",
    ),
    path("abuse/", views.abuse_report, name="abuse"),
    path("routing/", views.topic_models, name="topic_models"),
    path("routing/train/", views.topic_model_train, name="topic_model_train"),
    path("routing/off/", views.topic_model_deactivate, name="topic_model_deactivate"),
    path("routing/v<int:version>/", views.topic_model, name="topic_model"),
    path(
        "routing/v<int:version>/activate/",
        views.topic_model_activate,
        name="topic_model_activate",
    ),
    path("customers/<int:customer_id>/", views.customer, name="customer"),
    path("customers/<int:customer_id>/merge/", views.customer_merge, name="merge"),
    path("preferences/", views.preferences, name="preferences"),
    path("staffing/", staffing_views.staffing, name="staffing"),
    path("staffing/plan.csv", staffing_views.staffing_csv, name="staffing-csv"),
    path("staffing/roster/", staffing_views.roster_save, name="staffing-roster"),
    path("staffing/roster/fill/", staffing_views.roster_fill, name="staffing-fill"),
    path("staffing/roster/import/", staffing_views.roster_import, name="staffing-import"),
    path("staffing/settings/", staffing_views.settings_save, name="staffing-settings"),
    path("staffing/channels/", staffing_views.channel_save, name="staffing-channel-new"),
    path(
        "staffing/channels/<slug:channel>/",
        staffing_views.channel_save,
        name="staffing-channel",
    ),
]
