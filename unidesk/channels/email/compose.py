"""An agent's reply as the e-mail the customer receives.

Threaded for the customer's client (Message-ID stable per reply, In-Reply-To and References
from the customer's latest mail, the ticket number in the subject as `[#123]`), from the
mailbox the customer wrote to with Reply-To set to it, plain text and HTML, greeting and
footer in the customer's language, and the queue's (or mailbox's) signature.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from django.conf import settings
from django.utils import translation
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _

from unidesk.channels.email.models import Direction, Email, Mailbox, QueueSignature
from unidesk.core.errors import DomainError
from unidesk.customers.models import IdentityKind
from unidesk.tickets.models import Message, MessageKind

_PREFIXES = re.compile(
    r"^\s*((re|fwd?|aw|wg|sv|vs|antw|rif|tr|ответ|отв|пересл)\s*(\[\d+\])?\s*:\s*)+",
    re.IGNORECASE,
)
_REF = re.compile(r"\s*\[#\d+\]")


@dataclass(frozen=True)
class Outgoing:
    mail: EmailMessage
    message_id: str
    sender: str
    recipient: str
    mailbox: Mailbox


def reply_message_id(message: Message, *, domain: str) -> str:
    """The Message-ID of a reply: the same on every attempt (a resend is a duplicate the
    customer's server can drop), not guessable from the ids alone."""
    token = hmac.new(
        settings.SECRET_KEY.encode(), f"reply:{message.pk}".encode(), hashlib.sha256
    ).hexdigest()[:10]
    return f"<unidesk.{message.ticket_id}.{message.pk}.{token}@{domain}>"


def reply_subject(subject: str, ticket_id: int) -> str:
    """'Re: <subject> [#id]' with earlier prefixes and ticket references removed."""
    bare = _REF.sub("", _PREFIXES.sub("", subject or "")).strip()
    return f"Re: {bare} [#{ticket_id}]" if bare else f"[#{ticket_id}]"


def _latest_inbound(message: Message) -> Email | None:
    return (
        Email.objects.filter(
            message__ticket_id=message.ticket_id,
            direction=Direction.IN,
            message__kind=MessageKind.CUSTOMER,
        )
        .select_related("mailbox", "message")
        .order_by("-created_at", "-id")
        .first()
    )


def _mailbox(message: Message, inbound: Email | None) -> Mailbox:
    if inbound is not None and inbound.mailbox is not None and inbound.mailbox.is_active:
        return inbound.mailbox
    active = Mailbox.objects.filter(is_active=True)
    mailbox = active.filter(default_queue_id=message.ticket.queue_id).first() or active.first()
    if mailbox is None:
        raise DomainError("No active mailbox to send e-mail from; add one in the admin.")
    return mailbox


def _recipient(message: Message, inbound: Email | None) -> str:
    if inbound is not None and (inbound.reply_address or inbound.sender):
        return inbound.reply_address or inbound.sender
    latest = (
        message.ticket.messages.filter(kind=MessageKind.CUSTOMER)
        .exclude(sender_address="")
        .order_by("-created_at")
        .values_list("sender_address", flat=True)
        .first()
    )
    if latest and "@" in latest:
        return latest
    identity = (
        message.ticket.customer.identities.filter(kind=IdentityKind.EMAIL)
        .values_list("value", flat=True)
        .first()
    )
    if identity is None:
        raise DomainError("The customer has no e-mail address to reply to.")
    return identity


def _signature(message: Message, mailbox: Mailbox) -> str:
    text = (
        QueueSignature.objects.filter(queue_id=message.ticket.queue_id)
        .values_list("text", flat=True)
        .first()
    ) or mailbox.signature
    if not text:
        return ""
    agent = message.author.get_full_name() or message.author.username if message.author else ""
    values = {"agent": agent, "queue": message.ticket.queue.name, "ticket": message.ticket_id}
    try:
        return text.format(**values).strip()
    except (KeyError, IndexError, ValueError):
        return text.strip()  # a signature with stray braces goes out as written


def _language(message: Message) -> str:
    language = message.ticket.customer.language or message.ticket.language
    known = {code for code, _name in settings.LANGUAGES}
    return language if language in known else settings.LANGUAGE_CODE


def compose_reply(message: Message) -> Outgoing:
    """The e-mail for an agent reply. Raises DomainError when it cannot be addressed."""
    ticket = message.ticket
    inbound = _latest_inbound(message)
    mailbox = _mailbox(message, inbound)
    recipient = _recipient(message, inbound)
    message_id = message.external_id or reply_message_id(message, domain=mailbox.domain)
    customer_name = ticket.customer.name.strip()
    with translation.override(_language(message)):
        greeting = _("Hello %(name)s,") % {"name": customer_name} if customer_name else _("Hello,")
        footer = _(
            "Ticket #%(id)s. Reply to this e-mail to continue the conversation; "
            "please keep [#%(id)s] in the subject."
        ) % {"id": ticket.pk}
        quote_head = ""
        if inbound is not None and inbound.message is not None:
            quote_head = _("On %(date)s, %(name)s wrote:") % {
                "date": inbound.message.created_at.strftime("%Y-%m-%d %H:%M UTC"),
                "name": inbound.message.sender_name or inbound.message.sender_address,
            }
    signature = _signature(message, mailbox)
    quoted = inbound.message.text[:2000] if inbound is not None and inbound.message else ""

    text_parts = [greeting, message.text.strip()]
    if signature:
        text_parts.append(signature)
    text_parts.append(f"-- \n{footer}")
    if quoted:
        text_parts.append(quote_head + "\n" + "\n".join(f"> {line}" for line in quoted.split("\n")))
    text = "\n\n".join(text_parts) + "\n"

    html = (
        '<!DOCTYPE html><html><body style="font-family:sans-serif">'
        f"<p>{escape(greeting)}</p>{linebreaks(escape(message.text.strip()))}"
        + (f"<p>{escape(signature).replace(chr(10), '<br>')}</p>" if signature else "")
        + f'<p style="color:#666;font-size:small">{escape(footer)}</p>'
        + (
            f'<p>{escape(quote_head)}</p><blockquote type="cite" style="margin:0 0 0 .8ex;'
            f'border-left:1px solid #ccc;padding-left:1ex">'
            f"{linebreaks(escape(quoted))}</blockquote>"
            if quoted
            else ""
        )
        + "</body></html>"
    )

    mail = EmailMessage()
    mail["From"] = Address(display_name=mailbox.from_name, addr_spec=mailbox.address)
    mail["To"] = _address(customer_name, recipient)
    mail["Reply-To"] = mailbox.address
    mail["Subject"] = reply_subject(ticket.subject, ticket.pk)
    mail["Date"] = format_datetime(message.created_at)
    mail["Message-ID"] = message_id
    if inbound is not None:
        mail["In-Reply-To"] = inbound.mail_id
        references = [*inbound.references.split(), inbound.mail_id][-20:]
        mail["References"] = " ".join(references)
    mail["Auto-Submitted"] = "no"
    mail["X-Unidesk-Ticket"] = str(ticket.pk)
    mail.set_content(text)
    mail.add_alternative(html, subtype="html")
    return Outgoing(
        mail=mail,
        message_id=message_id,
        sender=mailbox.address,
        recipient=recipient,
        mailbox=mailbox,
    )


def _address(name: str, address: str) -> str:
    try:
        return str(Address(display_name=name, addr_spec=address))
    except (ValueError, IndexError):
        return address


__all__ = ["Outgoing", "compose_reply", "reply_message_id", "reply_subject"]
