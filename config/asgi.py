"""ASGI entry point: HTTP goes to Django, websockets to the consumers of each app.

Websocket clients authenticate by session cookie (browsers) or by an ``Authorization: Token …``
header (other clients); tokens never travel in URLs.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402

from config.routing import websocket_urlpatterns  # noqa: E402
from partnership.ws_auth import OriginCheck, WebsocketAuthMiddleware  # noqa: E402

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": OriginCheck(WebsocketAuthMiddleware(URLRouter(websocket_urlpatterns))),
    }
)
