from django.apps import AppConfig


class WfmConfig(AppConfig):
    name = "unidesk.wfm"
    label = "wfm"
