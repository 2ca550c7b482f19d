"""The page toolkit's template tags, for every app's pages (``{% load partnership_tags %}``):
permission checks for links, the words of a countdown (``static/js/countdown.js`` writes the same
words in the browser), and the names of roles and audiences."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django import forms, template
from django.forms.boundfield import BoundField, BoundWidget
from django.urls import reverse
from django.utils.html import format_html

from partnership.audiences import Audience
from partnership.models import Role
from partnership.pages import SUBMIT_ONCE_FIELD
from partnership.permissions import can

register = template.Library()


@register.simple_tag
def allowed(user: Any, action: str, obj: Any = None) -> bool:
    """``{% allowed user "incident.board" as may_board %}``: the permission registry's answer."""
    return can(user, action, obj)


def _span(seconds: float) -> str:
    minutes = int(seconds // 60)
    if minutes < 1:
        return "less than 1 min"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        whole = f"{days} day{'' if days == 1 else 's'}"
        return f"{whole} {hours} h" if hours else whole
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def countdown_text(due_at: datetime, now: datetime) -> str:
    """``due in 42 min`` or ``overdue by 1 h 5 min``."""
    seconds = (due_at - now).total_seconds()
    if seconds >= 0:
        return f"due in {_span(seconds)}"
    return f"overdue by {_span(-seconds)}"


@register.filter
def countdown(due_at: datetime | None, now: datetime) -> str:
    return countdown_text(due_at, now) if due_at is not None else ""


@register.filter
def role_label(role: str) -> str:
    return Role(role).label if role else "The service itself"


@register.filter
def audiences(codes: list[str]) -> str:
    return "; ".join(Audience.parse(code).label for code in codes)


@register.simple_tag(takes_context=True)
def nav_item(context: template.Context, url_name: str, text: str) -> str:
    """One item of the service navigation (GOV.UK's), marked as the current page when the page is
    it or under it (``/incidents/12/`` is under Incidents; Home is only itself)."""
    href = reverse(url_name)
    request = context.get("request")
    path = request.path if request is not None else ""
    current = path == href if href == "/" else path.startswith(href)
    if current:
        return format_html(
            '<li class="govuk-service-navigation__item govuk-service-navigation__item--active">'
            '<a class="govuk-service-navigation__link" href="{}" aria-current="page">'
            '<strong class="govuk-service-navigation__active-fallback">{}</strong></a></li>',
            href,
            text,
        )
    return format_html(
        '<li class="govuk-service-navigation__item">'
        '<a class="govuk-service-navigation__link" href="{}">{}</a></li>',
        href,
        text,
    )


def _govuk_class(widget: forms.Widget) -> str:
    """The GOV.UK class an input takes (choices drawn one by one get theirs in ``_field.html``)."""
    if isinstance(widget, forms.Select):  # SelectMultiple too
        return "govuk-select"
    if isinstance(widget, forms.Textarea):
        return "govuk-textarea"
    if isinstance(widget, forms.CheckboxInput):
        return "govuk-checkboxes__input"
    if isinstance(widget, forms.FileInput):
        return "govuk-file-upload"
    return "govuk-input"


@register.filter
def govuk_widget(field: BoundField) -> str:
    """The field's input with its GOV.UK class (and the error modifier when it has errors)."""
    base = _govuk_class(field.field.widget)
    classes = [base]
    existing = field.field.widget.attrs.get("class")
    if existing:
        classes.append(existing)
    if field.errors and base != "govuk-checkboxes__input":
        classes.append(f"{base}--error")
    return field.as_widget(attrs={"class": " ".join(classes)})


@register.filter
def widget_kind(field: BoundField) -> str:
    """How ``_field.html`` draws a field: ``date`` (day, month, year), ``checkboxes``,
    ``radios``, ``checkbox`` (one box), or ``input``."""
    widget = field.field.widget
    if getattr(widget, "govuk_kind", None):
        return str(widget.govuk_kind)
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


@register.filter
def govuk_choice(choice: BoundWidget, kind: str) -> str:
    """One checkbox or radio of a field's choices, with GOV.UK's class (``_field.html`` draws its
    label beside it, as the design system's markup puts it after the input)."""
    attrs = {**choice.data["attrs"], "class": f"govuk-{kind}__input"}
    widget = {**choice.data, "attrs": attrs, "wrap_label": False}
    parent: Any = choice.parent_widget  # BoundWidget.tag renders through the same private call
    return str(parent._render(choice.template_name, {"widget": widget}, choice.renderer))


@register.simple_tag
def submit_once() -> str:
    """The one-time key of a creating form (``partnership.pages.submit_once`` reads it): put it
    beside ``{% csrf_token %}``. Each time the page is drawn the form gets a new key; the page
    the back button shows again keeps the old one, so sending it again makes nothing twice."""
    return format_html(
        '<input type="hidden" name="{}" value="{}">', SUBMIT_ONCE_FIELD, uuid.uuid4()
    )
