from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EmailChannelConfig(AppConfig):
    name = "unidesk.channels.email"
    label = "email_channel"
    verbose_name = _("E-mail channel")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from unidesk.channels.email.models import Mailbox
        from unidesk.channels.email.transport import EmailTransport
        from unidesk.core.cache import clear_config_caches
        from unidesk.outbox import transports

        transports.register(EmailTransport())
        # The receiver's list of addresses forgets itself when a mailbox changes here.
        post_save.connect(clear_config_caches, sender=Mailbox, weak=False)
        post_delete.connect(clear_config_caches, sender=Mailbox, weak=False)
