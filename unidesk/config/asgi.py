"""ASGI entry point: HTTP through Django, WebSockets through Channels."""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "unidesk.config.settings")
django_application = get_asgi_application()

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
