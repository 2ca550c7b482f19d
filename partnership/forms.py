from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from partnership.auth import SignIn, WrongCredentialsError, sign_in_check
from partnership.throttle import TooManyAttemptsError


class ThrottledAuthenticationForm(AuthenticationForm):
    """Django's sign-in form with the authenticator code beside the password, checked in one step
    through the shared throttle, so that a wrong code and a wrong password get the same answer."""

    code = forms.CharField(
        label="Code from your authenticator app, or a recovery code",
        required=False,
        max_length=20,
        strip=True,
    )
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "Please enter a correct username and password, and the code from your "
            "authenticator app if you use one. The password is case-sensitive."
        ),
    }

    throttled = False
    sign_in: SignIn | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username."
        self.fields["password"].error_messages["required"] = "Enter your password."

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and password:
            if self.request is None:
                raise forms.ValidationError("Sign-in needs a request.")
            try:
                self.sign_in = sign_in_check(
                    request=self.request,
                    username=username,
                    password=password,
                    code=self.cleaned_data.get("code") or "",
                )
            except TooManyAttemptsError as exc:
                self.throttled = True
                raise forms.ValidationError(str(exc), code="throttled") from exc
            except WrongCredentialsError as exc:
                raise self.get_invalid_login_error() from exc
            self.confirm_login_allowed(self.sign_in.member)
            self.user_cache = self.sign_in.member
        return self.cleaned_data
