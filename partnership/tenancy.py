"""Partnerships as tenants: which partnership a member is working in.

Every record of a case (incident, person, referral, conference, protocol version, area) belongs
to one partnership; a member works in one partnership at a time and their roles are read there
(``Member.partnership``, ``Member.work_in``). How each door decides:

- Pages: the partnership the member chose (remembered on their account, shown in every page's
  header with a link to switch), or their only one. A member of several who has not chosen is
  asked first (``PartnershipMiddleware``).
- API: the ``X-Partnership`` header (a partnership's slug), else the member's only partnership
  (a browser session's calls follow its pages' choice). An unknown slug or a missing header when
  the member works in several answers 400 saying what to send; a partnership they do not work
  in answers 404 (``WorksInPartnership``).
- Websockets: as pages, from the session that opened them (or the token's member's only one).

Writers that start something new put it in the partnership its maker is working in
(``partnership_working``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponseBase, HttpResponseRedirect
from django.urls import reverse
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import NotFound, ParseError
from rest_framework.permissions import BasePermission
from rest_framework.request import Request

from partnership.models import Member, Partnership

HEADER = "X-Partnership"
NO_PARTNERSHIP = (
    "You are not working in a partnership: choose one of yours first, or ask an administrator "
    "to add you to one."
)


def partnership_working(member: Member) -> Partnership:
    """The partnership ``member`` is working in; refused (403) when there is none."""
    if member.partnership is None:
        raise PermissionDenied(NO_PARTNERSHIP)
    return member.partnership


def partnerships_of(member: Member) -> list[Partnership]:
    return list(member.partnerships.order_by("name"))


def _slugs(partnerships: list[Partnership]) -> str:
    return ", ".join(p.slug for p in partnerships)


def partnership_for_api(member: Member, requested: str, *, by_session: bool) -> Partnership | None:
    """The partnership an API call works in (see the module's docstring); raises ParseError
    (400) or NotFound (404) with what to do instead."""
    mine = partnerships_of(member)
    requested = requested.strip()
    if requested:
        found = Partnership.objects.filter(slug=requested).first()
        if found is None:
            raise ParseError(
                f"No partnership is called {requested!r} (the {HEADER} header takes a "
                f"partnership's short name: yours are {_slugs(mine) or 'none'})."
            )
        if found not in mine:
            raise NotFound(f"You do not work in the partnership {requested!r}.")
        return found
    if by_session and member.partnership is not None:
        return member.partnership
    if len(mine) > 1:
        raise ParseError(
            f"You work in several partnerships: say which this request is for with the {HEADER} "
            f"header ({_slugs(mine)})."
        )
    return mine[0] if mine else None


class WorksInPartnership(BasePermission):
    """Sets the partnership an authenticated API caller works in, before the view runs."""

    def has_permission(self, request: Request, view: Any) -> bool:
        member = request.user
        if isinstance(member, Member):
            by_session = isinstance(request.successful_authenticator, SessionAuthentication)
            member.work_in(
                partnership_for_api(member, request.headers.get(HEADER, ""), by_session=by_session)
            )
        return True


# Pages a member of several partnerships can reach before choosing one.
_BEFORE_CHOOSING = frozenset(
    {"partnership-choose", "login", "logout", "second-factor", "healthz", "admin-login"}
)


class PartnershipMiddleware:
    """Asks a member of several partnerships which one they are working in before any page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        member = request.user
        if (
            request.path.startswith("/api/")
            or not isinstance(member, Member)
            or member.partnership is not None
            or request.resolver_match is None
            or request.resolver_match.url_name in _BEFORE_CHOOSING
            or not member.partnerships.exists()
        ):
            return None
        query = urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(f"{reverse('partnership-choose')}?{query}")
