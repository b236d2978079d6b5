from django.urls import path

from unidesk.channels.chat.consumers import ChatConsumer

websocket_urlpatterns = [path("ws/chat/<str:key>/", ChatConsumer.as_asgi())]
