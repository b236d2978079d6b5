from django.apps import AppConfig


class IntakeConfig(AppConfig):
    name = "unidesk.intake"
    label = "intake"
