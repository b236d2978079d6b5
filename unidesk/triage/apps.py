from django.apps import AppConfig


class TriageConfig(AppConfig):
    name = "unidesk.triage"
    label = "triage"
