from django.urls import path

from unidesk.channels.chat import views

app_name = "chat"
urlpatterns = [
    path("widget.js", views.widget_js, name="widget_js"),
    path("demo/", views.demo, name="demo"),
    path("api/<str:key>/config", views.config, name="config"),
    path("api/<str:key>/hello", views.hello, name="hello"),
    path("api/<str:key>/frame", views.frame, name="frame"),
    path("api/<str:key>/poll", views.poll, name="poll"),
    path("api/<str:key>/upload", views.upload, name="upload"),
]
