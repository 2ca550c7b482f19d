from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from partnership.auth import TooManyAttemptsError, credentials_check


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form, checked through the shared login throttle."""

    throttled = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            if self.request is None:
                raise forms.ValidationError("Sign-in needs a request.")
            try:
                user = credentials_check(request=self.request, username=username, password=password)
            except TooManyAttemptsError as exc:
                self.throttled = True
                raise forms.ValidationError(str(exc), code="throttled") from exc
            if user is None:
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(user)
            self.user_cache = user
        return self.cleaned_data
