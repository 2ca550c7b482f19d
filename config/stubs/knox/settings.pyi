# Local type stub for django-rest-knox (it ships no types): the parts this project uses.
class _Constants:
    TOKEN_KEY_LENGTH: int
    DIGEST_LENGTH: int
    MAXIMUM_TOKEN_PREFIX_LENGTH: int

CONSTANTS: _Constants
