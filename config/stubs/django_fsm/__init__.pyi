# Local type stub: django-fsm-2 ships py.typed, but its classes derive from aliases defined under
# TYPE_CHECKING that mypy reads as Any, which would make every model using the mixin untyped.
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import models

_F = TypeVar("_F", bound=Callable[..., Any])

class TransitionNotAllowed(Exception): ...  # noqa: N818 (the library's names)
class ConcurrentTransition(Exception): ...  # noqa: N818

class RETURN_VALUE:  # noqa: N801
    def __init__(self, *allowed_states: Any) -> None: ...

class FSMField(models.CharField[Any, Any]):
    def __init__(self, *args: Any, protected: bool = ..., **kwargs: Any) -> None: ...

class ConcurrentTransitionMixin:
    def save(self, *args: Any, **kwargs: Any) -> None: ...
    def refresh_from_db(self, *args: Any, **kwargs: Any) -> None: ...

def transition(
    field: Any,
    source: Any = ...,
    target: Any = ...,
    on_error: Any = ...,
    conditions: Sequence[Callable[..., bool]] | None = ...,
    permission: Any = ...,
    custom: dict[str, Any] | None = ...,
) -> Callable[[_F], _F]: ...
def can_proceed(bound_method: Callable[..., Any], check_conditions: bool = ...) -> bool: ...
def has_transition_perm(bound_method: Callable[..., Any], user: Any) -> bool: ...
