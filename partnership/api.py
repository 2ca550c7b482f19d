"""Directory and authentication endpoints, and the error handling every API endpoint shares."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import RegexValidator
from django.http import Http404
from django_fsm import ConcurrentTransition, TransitionNotAllowed
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView
from rest_framework.views import exception_handler as drf_exception_handler

from partnership import selectors
from partnership.auth import (
    WRONG_CREDENTIALS,
    WrongCredentialsError,
    sign_in_check,
    token_issue,
    token_revoke,
    tokens_live,
)
from partnership.errors import ConflictError
from partnership.models import Agency, Member
from partnership.pages import member_of
from partnership.permissions import can, require
from partnership.tenancy import HEADER, WorksInPartnership
from partnership.throttle import TooManyAttemptsError


class Conflict(exceptions.APIException):
    """The move is not allowed from the object's current state (or someone else got there first)."""

    status_code = status.HTTP_409_CONFLICT
    default_detail = "That change conflicts with the current state."
    default_code = "conflict"


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Every refusal is JSON with a ``detail`` a person can read.

    Services raise Django's own exceptions (they know nothing of HTTP); this maps them.
    """
    if isinstance(exc, ConflictError | TransitionNotAllowed | ConcurrentTransition):
        exc = Conflict(str(exc) or None)
    elif isinstance(exc, DjangoValidationError):
        if hasattr(exc, "error_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    return drf_exception_handler(exc, context)


class PartnershipAutoSchema(AutoSchema):
    """Documents the partnership header on every operation that works in one."""

    def get_override_parameters(self) -> list[Any]:
        parameters = list(super().get_override_parameters())
        if any(isinstance(p, WorksInPartnership) for p in self.view.get_permissions()):
            parameters.append(
                OpenApiParameter(
                    name=HEADER,
                    type=str,
                    location=OpenApiParameter.HEADER,
                    required=False,
                    description=(
                        "The short name (slug) of the partnership this request works in. "
                        "Needed only by a member of several partnerships; otherwise their one "
                        "partnership is used. 400 when it names no partnership, or when it is "
                        "missing and the member works in several; 404 for a partnership the "
                        "member does not work in."
                    ),
                )
            )
        return parameters


# --- Authentication ------------------------------------------------------------------------------
_AUTH_SCHEME = "Token"  # Authorization: Token …


# drf-spectacular registers extensions in an untyped __init_subclass__.
class ApiTokenScheme(OpenApiAuthenticationExtension):  # type: ignore[no-untyped-call]
    """How the schema describes ``Authorization: Token …`` (as it did for DRF's tokens)."""

    target_class = "partnership.auth.ApiTokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        return build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=_AUTH_SCHEME
        )


class LoginRateThrottle(AnonRateThrottle):
    scope = "login"


class WrongCredentials(exceptions.APIException):
    status_code = status.HTTP_401_UNAUTHORIZED
    default_detail = WRONG_CREDENTIALS
    default_code = "wrong_credentials"


class TokenRequestSerializer(serializers.Serializer[Any]):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, trim_whitespace=False)
    otp = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        default="",
        help_text="Code from your authenticator app, or a recovery code, if you use one.",
    )
    name = serializers.CharField(
        max_length=60,
        required=False,
        default="API client",
        help_text="The device or program that will hold the token (shown on your tokens page).",
        validators=[
            RegexValidator(r"^[^\x00-\x1f\x7f]*$", "The name must be one line of plain text.")
        ],
    )


class TokenSerializer(serializers.Serializer[Any]):
    ref = serializers.CharField(help_text="Names the token on your tokens page; not secret.")
    name = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    last_used_at = serializers.DateTimeField(allow_null=True)


class TokenView(APIView):
    """Exchange a username and password (and authenticator code, if the member uses one) for an
    API token (``Authorization: Token …``), valid for a working shift (``expiry``)."""

    permission_classes = [AllowAny]
    authentication_classes: list[Any] = []
    throttle_classes = [LoginRateThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={
            200: inline_serializer(
                "TokenResponse",
                {
                    "token": serializers.CharField(),
                    "expiry": serializers.DateTimeField(),
                    "ref": serializers.CharField(),
                    "name": serializers.CharField(),
                },
            )
        },
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            sign_in = sign_in_check(
                request=request._request,
                username=body.validated_data["username"],
                password=body.validated_data["password"],
                code=body.validated_data["otp"],
            )
        except TooManyAttemptsError as exc:
            raise exceptions.Throttled(wait=exc.retry_after, detail=str(exc)) from exc
        except WrongCredentialsError as exc:
            raise WrongCredentials() from exc
        if sign_in.must_enrol:
            raise exceptions.PermissionDenied(
                "Your role needs a second factor: sign in once in the browser to set it up."
            )
        issued = token_issue(member=sign_in.member, name=body.validated_data["name"])
        return Response(
            {
                "token": issued.key,
                "expiry": issued.expiry,
                "ref": issued.token.ref,
                "name": issued.token.name,
            }
        )


class TokenListView(APIView):
    """Your API tokens that still work (never the tokens themselves)."""

    @extend_schema(responses=TokenSerializer(many=True))
    def get(self, request: Request) -> Response:
        member = member_of(request)
        return Response(TokenSerializer(tokens_live(member), many=True).data)


class TokenRevokeView(APIView):
    """Revoke one of your tokens (the one you are using, too): it stops working at once, and
    websockets opened with it close."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request: Request, ref: str) -> Response:
        member = member_of(request)
        if not token_revoke(member=member, ref=ref):
            raise exceptions.NotFound("You hold no such token.")
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- Directory -----------------------------------------------------------------------------------
class AgencySerializer(serializers.ModelSerializer[Agency]):
    class Meta:
        model = Agency
        fields = ["id", "kind", "name"]


class MemberSerializer(serializers.ModelSerializer[Member]):
    agency = AgencySerializer(read_only=True)
    roles = serializers.SerializerMethodField()
    email = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = Member
        fields = ["id", "username", "name", "job_title", "agency", "roles", "email", "phone"]

    def get_roles(self, member: Member) -> list[str]:
        """Roles held in the partnership the request works in (``members_active`` loads only
        those; a member of the directory outside it is not listed)."""
        partnership_id = getattr(self.context["request"].user.partnership, "pk", None)
        return sorted(
            a.role for a in member.role_assignments.all() if a.partnership_id == partnership_id
        )

    def _contact(self, member: Member, value: str) -> str | None:
        # Contact details follow the per-object rule; the rest of the directory is open to members.
        return value if can(self.context["request"].user, "member.view_contact", member) else None

    def get_email(self, member: Member) -> str | None:
        return self._contact(member, member.email)

    def get_phone(self, member: Member) -> str | None:
        return self._contact(member, member.phone)


class MeView(APIView):
    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request) -> Response:
        member = member_of(request)
        return Response(MemberSerializer(member, context={"request": request}).data)


class AgencyListView(APIView):
    @extend_schema(responses=AgencySerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "directory.view")
        agencies = selectors.agencies_of(request.user.partnership)  # type: ignore[union-attr]
        return Response(AgencySerializer(agencies, many=True).data)


class MemberListView(APIView):
    @extend_schema(responses=MemberSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "directory.view")
        members = selectors.members_active(request.user.partnership)  # type: ignore[union-attr]
        return Response(MemberSerializer(members, many=True, context={"request": request}).data)


class MemberDetailView(APIView):
    @extend_schema(responses=MemberSerializer)
    def get(self, request: Request, pk: int) -> Response:
        require(request.user, "directory.view")
        member = selectors.members_active(request.user.partnership).filter(pk=pk).first()  # type: ignore[union-attr]
        if member is None:
            raise exceptions.NotFound("No such member.")
        return Response(MemberSerializer(member, context={"request": request}).data)
