"""The calendar's API: each division's bank holidays by year, and (for administrators) adding or
removing a day with a reason. The same selectors and services as the page."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from partnership.calendar import selectors, services
from partnership.models import CalendarSource, DayStatus, Division
from partnership.pages import member_of, valid_body
from partnership.permissions import require


class CalendarSerializer(serializers.Serializer[Any]):
    division = serializers.ChoiceField(choices=Division.choices)
    name = serializers.CharField()
    used_by_deadlines = serializers.BooleanField(
        help_text="The division whose bank holidays the partnership's deadlines use."
    )
    years_held = serializers.ListField(
        child=serializers.IntegerField(),
        help_text="Years held as data; others are read from the holidays package until then.",
    )


class CalendarDaySerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    title = serializers.CharField()
    notes = serializers.CharField()
    name = serializers.CharField(help_text="As deadlines' explanations name it.")
    status = serializers.ChoiceField(choices=DayStatus.choices)
    # Not "source", which every serializer field already has.
    origin = serializers.ChoiceField(
        source="source",
        choices=CalendarSource.choices,
        help_text="Who decided it: the holidays package, GOV.UK's list or an administrator.",
    )
    reason = serializers.CharField(help_text="An administrator's reason, if one changed it.")
    changed_by = serializers.CharField(source="changed_by.username", default=None)
    changed_at = serializers.DateTimeField(allow_null=True)


class CalendarYearSerializer(serializers.Serializer[Any]):
    division = serializers.ChoiceField(choices=Division.choices)
    year = serializers.IntegerField()
    held = serializers.BooleanField(help_text="False: read from the holidays package, not data.")
    origin = serializers.ChoiceField(source="source", choices=CalendarSource.choices)
    detail = serializers.CharField()
    loaded_at = serializers.DateTimeField(allow_null=True)
    loaded_by = serializers.CharField(source="loaded_by.username", default=None)
    days = CalendarDaySerializer(many=True, help_text="Bank holidays, and days made working days.")


class YearQuerySerializer(serializers.Serializer[Any]):
    year = serializers.IntegerField(
        required=False, min_value=selectors.FIRST_YEAR, max_value=selectors.LAST_YEAR
    )


class DayAddSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    title = serializers.CharField(max_length=services.TITLE_MAX)
    reason = serializers.CharField(max_length=services.REASON_MAX)


class DayRemoveSerializer(serializers.Serializer[Any]):
    date = serializers.DateField()
    reason = serializers.CharField(max_length=services.REASON_MAX)


class CalendarEditSerializer(serializers.Serializer[Any]):
    day = CalendarDaySerializer()
    recomputed = serializers.IntegerField(
        help_text="Pending deadlines recomputed because of the change (their owners were told)."
    )


def _division(division: str) -> Division:
    if division not in Division.values:
        raise NotFound(
            f"No calendar for {division!r}: GOV.UK's divisions are {', '.join(Division.values)}."
        )
    return Division(division)


def _change_body(
    request: Request, serializer_class: type[serializers.Serializer[Any]]
) -> dict[str, Any]:
    """The body of a change, checked: administrators only, whatever the body says."""
    require(request.user, "calendar.manage")
    return valid_body(serializer_class, request)


def _edit_response(edit: services.CalendarEdit, status: int) -> Response:
    view = selectors.calendar_year(Division(edit.change.division), edit.day.date.year)
    (day,) = [row for row in view.days if row.date == edit.day.date]
    body = {"day": day, "recomputed": edit.recomputed}
    return Response(CalendarEditSerializer(body).data, status=status)


class CalendarListView(APIView):
    @extend_schema(responses=CalendarSerializer(many=True))
    def get(self, request: Request) -> Response:
        require(request.user, "calendar.view")
        installed = selectors.division_installed()
        rows = [
            {
                "division": division,
                "name": division.label,
                "used_by_deadlines": division == installed,
                "years_held": selectors.calendar_years_held(division),
            }
            for division in Division
        ]
        return Response(CalendarSerializer(rows, many=True).data)


class CalendarDaysView(APIView):
    @extend_schema(parameters=[YearQuerySerializer], responses=CalendarYearSerializer)
    def get(self, request: Request, division: str) -> Response:
        """One year's bank holidays (this year unless ``year`` is given)."""
        require(request.user, "calendar.view")
        query = YearQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year") or timezone.localdate().year
        return Response(
            CalendarYearSerializer(selectors.calendar_year(_division(division), year)).data
        )

    @extend_schema(request=DayAddSerializer, responses={201: CalendarEditSerializer})
    def post(self, request: Request, division: str) -> Response:
        """Make a day a bank holiday; pending deadlines counted over it are recomputed."""
        data = _change_body(request, DayAddSerializer)
        edit = services.calendar_day_add(
            actor=member_of(request),
            division=_division(division),
            day=data["date"],
            title=data["title"],
            reason=data["reason"],
        )
        return _edit_response(edit, 201)


class CalendarDayRemoveView(APIView):
    @extend_schema(request=DayRemoveSerializer, responses=CalendarEditSerializer)
    def post(self, request: Request, division: str) -> Response:
        """Make a bank holiday a working day; pending deadlines counted over it are recomputed."""
        data = _change_body(request, DayRemoveSerializer)
        edit = services.calendar_day_remove(
            actor=member_of(request),
            division=_division(division),
            day=data["date"],
            reason=data["reason"],
        )
        return _edit_response(edit, 200)
