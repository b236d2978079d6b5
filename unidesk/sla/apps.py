from django.apps import AppConfig


class SlaConfig(AppConfig):
    name = "unidesk.sla"
    label = "sla"
