from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "unidesk.core"
    label = "core"
