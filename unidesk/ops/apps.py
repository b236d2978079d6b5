from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operational commands: serving, the worker, demo data. No models."""

    name = "unidesk.ops"
    label = "ops"
