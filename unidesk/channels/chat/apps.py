from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChatConfig(AppConfig):
    """The web chat channel: the widget, its WebSocket and HTTP fallback, the demo page.

    The chat needs no outbox transport: agent replies reach the visitor on commit through
    the channel layer, and from the stored history when the widget reconnects.
    """

    name = "unidesk.channels.chat"
    label = "chat"
    verbose_name = _("Web chat")
