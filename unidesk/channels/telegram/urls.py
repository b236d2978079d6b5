from django.urls import path

from unidesk.channels.telegram import views

app_name = "telegram"
urlpatterns = [path("<int:bot_id>/webhook/", views.webhook, name="webhook")]
