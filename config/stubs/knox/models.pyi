# Local type stub for django-rest-knox (it ships no types): the parts this project uses.
from datetime import timedelta
from typing import Any, TypeVar

from django.db import models

_T = TypeVar("_T", bound=AbstractAuthToken)

class AuthTokenManager(models.Manager[_T]):
    def create(  # type: ignore[override]
        self, user: Any, expiry: timedelta | None = ..., prefix: str | None = ..., **kwargs: Any
    ) -> tuple[_T, str]: ...

class AbstractAuthToken(models.Model):
    digest = models.CharField(max_length=128, primary_key=True)
    token_key = models.CharField(max_length=25, db_index=True)
    created = models.DateTimeField(auto_now_add=True)
    expiry = models.DateTimeField(null=True, blank=True)
    user_id: Any

def get_token_model() -> type[AbstractAuthToken]: ...
