"""The widget's HTTP side: its script, its settings, the polling fallback, uploads, the demo.

Called from other sites, so every answer carries CORS headers for an allowed origin only.
No cookies are involved: the visitor is identified by the signed token in the
`Authorization: Bearer` header, so these views are CSRF-exempt by design (a forged request
from another site cannot read or send the token).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.csrf import csrf_exempt

from unidesk.channels.chat import services
from unidesk.channels.chat.models import ChatSession, ChatWidget
from unidesk.core import presence
from unidesk.core.errors import DomainError

_WIDGET_JS = Path(__file__).resolve().parent / "static" / "chat" / "widget.js"
ChatView = Callable[[HttpRequest, ChatWidget], HttpResponse]


def _error(detail: str, *, status: int, code: str = "refused") -> JsonResponse:
    return JsonResponse({"error": code, "detail": detail}, status=status)


def _cors(response: HttpResponse, origin: str) -> HttpResponse:
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Max-Age"] = "600"
    response["Vary"] = "Origin"
    return response


def widget_api(view: ChatView) -> Callable[[HttpRequest, str], HttpResponse]:
    """Find the widget, check the calling site, answer preflights, add CORS headers."""

    @csrf_exempt
    @wraps(view)
    def wrapper(request: HttpRequest, key: str) -> HttpResponse:
        widget = services.get_widget(key)
        if widget is None:
            return _error("No such chat widget.", status=404, code="no_widget")
        origin = request.headers.get("Origin", "")
        own = request.build_absolute_uri("/")
        if origin and not widget.allows_origin(origin, own=own):
            return _error("This site may not use the chat.", status=403, code="origin")
        if request.method == "OPTIONS":
            return _cors(HttpResponse(status=204), origin)
        try:
            response = view(request, widget)
        except DomainError as exc:
            code = {413: "too_large", 415: "file_type"}.get(exc.status, "refused")
            response = _error(exc.message, status=exc.status, code=code)
        return _cors(response, origin)

    return wrapper


def _session(request: HttpRequest, widget: ChatWidget) -> ChatSession | None:
    auth = request.headers.get("Authorization", "")
    if not auth.startswith("Bearer "):
        return None
    return services.read_token(auth[7:].strip(), widget=widget)


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise DomainError("The body is not JSON.") from None
    if not isinstance(body, dict):
        raise DomainError("The body must be a JSON object.")
    return body


@widget_api
def config(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """What the widget needs to draw itself before any conversation exists."""
    if request.method != "GET":
        return _error("Use GET.", status=405)
    return JsonResponse(
        {
            "title": widget.title,
            "colour": widget.colour,
            "language": widget.language,
            "greeting": widget.greeting,
            "fields": {"name": widget.ask_name, "email": widget.ask_email},
            "upload": {
                "max_bytes": min(widget.max_upload_bytes, settings.UNIDESK_MAX_ATTACHMENT_BYTES),
                "types": widget.accepted_types,
            },
            "online": services.agents_online(widget),
        }
    )


@widget_api
def hello(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """The polling fallback's `hello`: start or resume the visitor's session."""
    if request.method != "POST":
        return _error("Use POST.", status=405)
    body = _json_body(request)
    token = body.get("token") if isinstance(body.get("token"), str) else None
    session, fresh, _new = services.open_session(
        widget, token=token, user_agent=request.headers.get("User-Agent", "")
    )
    services.mark_visitor_here(session, here=True)
    page = body.get("page")
    if isinstance(page, dict):
        services.set_page(session, url=page.get("url", ""), title=page.get("title", ""))
    since: int = body["since"] if isinstance(body.get("since"), int) else 0
    return JsonResponse(services.welcome(session, fresh, since=since))


@widget_api
def frame(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """One frame of the protocol over HTTP (message, typing, page, identify, leave_email)."""
    if request.method != "POST":
        return _error("Use POST.", status=405)
    session = _session(request, widget)
    if session is None:
        return _error("Start the chat first (no valid visitor token).", status=401, code="token")
    result = services.handle_frame(session, _json_body(request))
    return JsonResponse(result.reply or {"type": "ok"})


@widget_api
def poll(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """The polling fallback: messages after `since`, agents' typing, whether anyone is online."""
    if request.method != "GET":
        return _error("Use GET.", status=405)
    session = _session(request, widget)
    if session is None:
        return _error("Start the chat first (no valid visitor token).", status=401, code="token")
    try:
        since = int(request.GET.get("since", "0"))
    except ValueError:
        return _error("`since` must be a message id.", status=400)
    services.mark_visitor_here(session, here=True)
    return JsonResponse(
        {
            "type": "poll",
            "messages": services.history(session, since=since),
            "agent_typing": bool(session.ticket_id and presence.is_agent_typing(session.ticket_id)),
            "online": services.agents_online(widget),
        }
    )


@widget_api
def upload(request: HttpRequest, widget: ChatWidget) -> HttpResponse:
    """A file from the visitor (multipart: `file`, `id`), stored as a message's attachment."""
    if request.method != "POST":
        return _error("Use POST.", status=405)
    session = _session(request, widget)
    if session is None:
        return _error("Start the chat first (no valid visitor token).", status=401, code="token")
    item = request.FILES.get("file")
    if item is None:
        return _error("Send the file in the `file` field.", status=400)
    limit = min(widget.max_upload_bytes, settings.UNIDESK_MAX_ATTACHMENT_BYTES)
    if item.size is not None and item.size > limit:
        raise services.TooLarge(f"The file is larger than {limit // 1024} KB.")
    attachment = services.check_upload(
        widget,
        filename=item.name or "file",
        content_type=item.content_type or "",
        content=item.read(),
    )
    message = services.post_message(
        session,
        client_id=request.POST.get("id", ""),
        text=request.POST.get("text", ""),
        attachments=[attachment],
    )
    return JsonResponse({"type": "ack", "message": services.message_payload(message)}, status=201)


@cache_control(public=True, max_age=300)
def widget_js(request: HttpRequest) -> HttpResponse:
    """The widget script (no build step); `chat/static/chat/widget.js`."""
    response = HttpResponse(_WIDGET_JS.read_bytes(), content_type="text/javascript")
    response["Access-Control-Allow-Origin"] = "*"
    return response


def demo(request: HttpRequest) -> HttpResponse:
    """A pretend shop page with the demo widget pasted in, as a company would."""
    widget = ChatWidget.objects.filter(is_active=True).order_by("pk").first()
    if widget is None:
        raise Http404(_("No chat widget is set up: add one in the admin, or run `unidesk demo`."))
    script = request.build_absolute_uri(reverse("chat:widget_js"))
    lang = request.GET.get("lang", "")
    lang = lang if lang in ("en", "ru") else ""
    snippet = f'<script src="{script}" data-widget="{widget.key}"'
    snippet += (f' data-lang="{lang}"' if lang else "") + " async></script>"
    return render(
        request,
        "chat/demo.html",
        {"widget": widget, "snippet": snippet, "script": script, "lang": lang},
    )
