"""A member's choice of channels besides live alerts (which are always on).

Kept apart from ``services`` because it is a directory change, not a message: it tells nobody.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from notifications.models import ContactPreference
from partnership.models import Member
from partnership.timeline import audit_record

_FIELDS = ("email", "sms", "sms_number", "webhook", "webhook_url")
# Digits with the spaces, brackets and dashes people write; at most the column's 40 characters.
_PHONE = re.compile(r"\+?[0-9][0-9 ()\-]{5,38}")
_URL_MAX = 200  # URLField's column


@transaction.atomic
def contact_preference_set(
    *,
    member: Member,
    email: bool,
    sms: bool,
    sms_number: str,
    webhook: bool,
    webhook_url: str,
) -> ContactPreference:
    """Save the member's channels. The audit event names the fields that changed, never their
    values: a phone number or a private webhook address does not belong on the timeline, which
    nothing can ever remove."""
    sms_number = sms_number.strip()
    webhook_url = webhook_url.strip()
    errors: dict[str, str] = {}
    if sms and not (sms_number or member.phone):
        errors["sms_number"] = (
            "Give a mobile number for text messages: the directory has no phone number for you."
        )
    if sms_number and not _PHONE.fullmatch(sms_number):
        errors["sms_number"] = "Enter a phone number, such as 07700 900123 or +44 7700 900123."
    if webhook_url:
        try:
            URLValidator(schemes=["https", "http"])(webhook_url)
        except ValidationError:
            errors["webhook_url"] = "Enter the full web address, starting with https://."
        if len(webhook_url) > _URL_MAX:
            errors["webhook_url"] = f"The web address must be at most {_URL_MAX} characters."
    if webhook and not webhook_url:
        errors["webhook_url"] = "Give the web address to send notifications to."
    if errors:
        raise ValidationError(errors)

    wanted = {
        "email": email,
        "sms": sms,
        "sms_number": sms_number,
        "webhook": webhook,
        "webhook_url": webhook_url,
    }
    before = ContactPreference.objects.select_for_update().filter(member=member).first()
    # A member with no row yet has had the model's defaults all along.
    current = before or ContactPreference(member=member)
    changed = [name for name in _FIELDS if getattr(current, name) != wanted[name]]
    preference, _created = ContactPreference.objects.update_or_create(
        member=member, defaults=wanted
    )
    if changed:
        audit_record(
            actor=member,
            verb="contact.changed",
            subject=preference,
            changes={"fields": changed},
        )
    return preference
