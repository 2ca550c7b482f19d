"""Errors services raise; pages and the API turn them into answers a person understands.

Services also raise Django's ``ValidationError`` (bad input: 400) and ``PermissionDenied`` (403).
"""


class ConflictError(Exception):
    """The change does not fit the object's current state, or someone else made it first (409)."""
