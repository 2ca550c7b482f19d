"""The shapes of what the notification pages accept. The services decide what is allowed; their
``ValidationError`` is put back on the form with ``partnership.page_forms.service_errors_add``."""

from __future__ import annotations

from typing import Any

from django import forms

from notifications.models import ContactPreference, ReplyKind


class ReplyForm(forms.Form):
    kind = forms.ChoiceField(
        label="Your reply",
        choices=ReplyKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose whether you confirm, correct or answer it."},
    )
    text = forms.CharField(
        label="What you want to say",
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="The sender and the partnership see your reply on the incident.",
        error_messages={"required": "Write your reply."},
    )

    def __init__(self, *args: Any, notification_id: int, **kwargs: Any) -> None:
        # Every open notification on the inbox has its own form: the ids name which one.
        kwargs.setdefault("auto_id", f"reply-{notification_id}-%s")
        super().__init__(*args, **kwargs)
        self.notification_id = notification_id


class ContactPreferenceForm(forms.Form):
    email = forms.BooleanField(
        label="Email me every notification",
        required=False,
    )
    sms = forms.BooleanField(
        label="Text me every notification",
        required=False,
    )
    sms_number = forms.CharField(
        label="Mobile number for text messages (optional)",
        max_length=40,
        required=False,
        help_text="Leave blank to use the phone number in the directory.",
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    webhook = forms.BooleanField(
        label="Send every notification to a web address (webhook)",
        required=False,
        help_text="For an agency's own system, such as a duty desk's incident tool.",
    )
    webhook_url = forms.URLField(
        label="Web address for the webhook (optional)",
        max_length=200,
        required=False,
        assume_scheme="https",
        error_messages={"invalid": "Enter the full web address, starting with https://."},
    )

    @classmethod
    def initial_from(cls, preference: ContactPreference) -> dict[str, Any]:
        return {
            "email": preference.email,
            "sms": preference.sms,
            "sms_number": preference.sms_number,
            "webhook": preference.webhook,
            "webhook_url": preference.webhook_url,
        }
