from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelegramConfig(AppConfig):
    """The Telegram channel: bots by webhook or long polling in, the Bot API out."""

    name = "unidesk.channels.telegram"
    label = "telegram"
    verbose_name = _("Telegram")

    def ready(self) -> None:
        from unidesk.channels.telegram.transport import TelegramTransport
        from unidesk.outbox import transports

        transports.register(TelegramTransport())
