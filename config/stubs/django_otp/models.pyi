# Local type stub for django-otp (it ships no types): the parts this project uses.
from typing import Any, ClassVar, Self, TypeVar

from django.db import models

_D = TypeVar("_D", bound=Device)

class DeviceManager(models.Manager[_D]): ...

class Device(models.Model):
    objects: ClassVar[DeviceManager[Self]]
    user_id: int
    name = models.CharField(max_length=64)
    confirmed = models.BooleanField(default=True)
    def verify_token(self, token: str) -> bool: ...
    def verify_is_allowed(self) -> tuple[bool, dict[str, Any] | None]: ...
    @property
    def persistent_id(self) -> str: ...

class ThrottlingMixin(models.Model):
    throttling_failure_timestamp = models.DateTimeField(null=True, blank=True, default=None)
    throttling_failure_count = models.PositiveIntegerField(default=0)
    def throttle_reset(self, commit: bool = ...) -> None: ...
    def throttle_increment(self, commit: bool = ...) -> None: ...

class TimestampMixin(models.Model):
    created_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
