from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "unidesk.accounts"
    label = "accounts"
