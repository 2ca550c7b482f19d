"""ASGI entry point: HTTP goes to Django, websockets to the consumers of each app.

Websocket clients authenticate by session cookie (browsers) or by an ``Authorization: Token …``
header (other clients); tokens never travel in URLs.
"""

import os
from typing import Any

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from notifications.readiness import production_start_check  # noqa: E402
from partnership.live import remember_server_loop  # noqa: E402
from partnership.ws_auth import OriginCheck, WebsocketAuthMiddleware  # noqa: E402

# Production refuses to start while a channel members use only records its messages.
production_start_check()

router = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginCheck(WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)


async def application(scope: dict[str, Any], receive: Any, send: Any) -> None:
    remember_server_loop()
    await router(scope, receive, send)
