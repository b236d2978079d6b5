from django.apps import AppConfig


class QueuesConfig(AppConfig):
    name = "unidesk.queues"
    label = "queues"
