from django.contrib import admin
from django.urls import include, path

from unidesk.channels.api.api import api

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("chat/", include("unidesk.channels.chat.urls")),
    path("channels/telegram/", include("unidesk.channels.telegram.urls")),
    path("", include("unidesk.workspace.urls")),
]
