# Local type stub for django-otp (it ships no types): the parts this project uses.
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

class TOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    key = models.CharField(max_length=80)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)
    @property
    def bin_key(self) -> bytes: ...
    @property
    def config_url(self) -> str: ...
