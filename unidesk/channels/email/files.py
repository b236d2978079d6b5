"""Serving stored files to people allowed to see them: attachments and e-mail originals.

Customer files are untrusted: only raster images are ever shown inline (never SVG or HTML,
which could run script), everything else downloads; responses forbid sniffing and run in
a sandbox should a browser render them anyway.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from unidesk.tickets.models import Attachment, Message

#: Types a browser may show in the page (raster images only).
INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "image/bmp"}


def _harden(response: FileResponse) -> FileResponse:
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self' data:"
    response["Cache-Control"] = "private, max-age=3600"
    return response


def attachment_response(attachment: Attachment, *, inline: bool) -> FileResponse:
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The file is no longer stored.") from exc
    shown = inline and attachment.content_type in INLINE_TYPES
    response = FileResponse(
        handle,
        as_attachment=not shown,
        filename=attachment.filename,
        content_type=attachment.content_type if shown else "application/octet-stream",
    )
    return _harden(response)


def original_response(message: Message) -> FileResponse:
    email = getattr(message, "email", None)
    if email is None or not email.raw:
        raise Http404("This message has no stored original.")
    try:
        handle = email.raw.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The original is no longer stored.") from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"message-{message.pk}.eml",
        content_type="message/rfc822",
    )
    return _harden(response)
