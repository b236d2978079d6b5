"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os
from typing import Any

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler
from django.core.handlers.base import BaseHandler
from django.http import HttpRequest, HttpResponseBase

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
django.setup(set_prefix=False)


class SyncChainHandler(ASGIHandler):
    """Django's ASGI handler, with the middleware and the view run as one synchronous
    chain in the request's thread.

    Every view of Unidesk is synchronous. Django's own handler builds an asynchronous
    middleware chain, and a synchronous middleware or view in it costs a switch between
    the event loop and the request's thread each way (its docs warn of it): about six per
    request here, which was most of the cost of a small API call. Here the whole chain is
    one switch, as under WSGI; the request still runs in a thread of its own (Django's
    ThreadSensitiveContext), and WebSockets stay asynchronous (Channels, below).
    """

    def __init__(self) -> None:
        BaseHandler.__init__(self)
        self.load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)


django_application = SyncChainHandler()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from unidesk.channels.chat.routing import websocket_urlpatterns as chat_sockets  # noqa: E402
from unidesk.workspace.routing import websocket_urlpatterns as desk_sockets  # noqa: E402

# The chat widget runs on customers' sites: its socket checks the Origin against the
# widget's allowed sites itself. The desk's own sockets accept only the desk's hosts.
chat_websockets = URLRouter(chat_sockets)
desk_websockets = AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(desk_sockets)))


async def websockets(scope: dict[str, Any], receive: Any, send: Any) -> None:
    app = chat_websockets if scope["path"].startswith("/ws/chat/") else desk_websockets
    await app(scope, receive, send)


application = ProtocolTypeRouter({"http": django_application, "websocket": websockets})


def served_application() -> Any:
    """The application `unidesk web` serves (a uvicorn factory): each server process loads
    the triage models before it takes its first request, so no customer waits for them,
    and records its event loop for live notices sent from its other threads."""
    from unidesk.core.live import serving_here
    from unidesk.triage.analyze import warm_up

    warm_up()

    async def served(scope: dict[str, Any], receive: Any, send: Any) -> None:
        serving_here()
        await application(scope, receive, send)

    return served
