"""The bot's webhook: Telegram posts updates here, with the bot's secret in a header."""

from __future__ import annotations

import hmac
import json
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from unidesk.channels.telegram import services
from unidesk.channels.telegram.models import TelegramBot
from unidesk.core.errors import DomainError

log = logging.getLogger(__name__)
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


@csrf_exempt  # authenticated by the secret header, not a cookie
@require_POST
def webhook(request: HttpRequest, bot_id: int) -> HttpResponse:
    bot = TelegramBot.objects.filter(pk=bot_id, is_active=True).first()
    if bot is None:
        return JsonResponse({"detail": "No such bot."}, status=404)
    secret = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(secret.encode(), bot.webhook_secret.encode()):
        return JsonResponse({"detail": f"Wrong or missing {SECRET_HEADER}."}, status=403)
    try:
        update = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        return JsonResponse({"detail": "The body is not JSON."}, status=400)
    try:
        services.handle_update(bot, update)
    except services.Unavailable as exc:
        # Nothing stored: Telegram sends the update again later.
        log.warning("telegram bot %s: update postponed: %s", bot.pk, exc)
        return JsonResponse({"detail": "Telegram could not be reached; retry."}, status=503)
    except DomainError as exc:
        return JsonResponse({"detail": exc.message}, status=400)
    return JsonResponse({"ok": True})
