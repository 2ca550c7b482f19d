# Local type stub for django-otp (it ships no types): the parts this project uses.
from django.db import models
from django_otp.models import Device, ThrottlingMixin, TimestampMixin

class StaticDevice(TimestampMixin, ThrottlingMixin, Device): ...

class StaticToken(models.Model):
    device_id: int
    token = models.CharField(max_length=16, db_index=True)
    @staticmethod
    def random_token() -> str: ...
