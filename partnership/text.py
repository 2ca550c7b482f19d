"""One-line text: titles, names, locations and the like.

They end up in email subjects, text messages, calendar files and single lines of pages, where a
line break or another control character breaks a header (and with it every retry of the email),
injects lines into an invitation or misleads the reader. ``OneLineField`` refuses them wherever a
value comes from: forms and serializers through its validator, and every save (services, admin,
imports) through ``pre_save``, so pages and the API give the same answer.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.expressions import Combinable

ONE_LINE_MESSAGE = "Write this on one line: no line breaks, tabs or other control characters."
# Control characters, and Unicode's own line and paragraph separators.
_REFUSED_CATEGORIES = frozenset({"Cc", "Zl", "Zp"})


def one_line_problem(value: str) -> bool:
    return any(unicodedata.category(ch) in _REFUSED_CATEGORIES for ch in value)


def one_line_validate(value: Any) -> None:
    if isinstance(value, str) and one_line_problem(value):
        raise ValidationError(ONE_LINE_MESSAGE, code="one_line")


def one_line_clean(value: str) -> str:
    """``value`` with every refused character replaced by a space (existing rows, migrations)."""
    return "".join(" " if unicodedata.category(ch) in _REFUSED_CATEGORIES else ch for ch in value)


class OneLineField(models.CharField[str | int | Combinable, str]):
    """A ``CharField`` that holds one line of text, checked on every save."""

    _pyi_private_set_type: str | int | Combinable
    _pyi_private_get_type: str

    default_validators = [one_line_validate]

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        value = super().pre_save(model_instance, add)
        if isinstance(value, str) and one_line_problem(value):
            raise ValidationError({self.name: [ONE_LINE_MESSAGE]}, code="one_line")
        return value


def one_line_rows_cleaned(
    app_label: str, fields: dict[str, Sequence[str]]
) -> Callable[[Any, Any], None]:
    """A migration step that rewrites existing values of ``fields`` ({model: [field, …]}) onto
    one line, so that rows written before the rule can still be saved."""

    def clean(apps: Any, schema_editor: Any) -> None:
        for model_name, names in fields.items():
            model = apps.get_model(app_label, model_name)
            for row in model.objects.all().only("pk", *names).iterator():
                changed = {
                    name: one_line_clean(getattr(row, name))
                    for name in names
                    if one_line_problem(getattr(row, name) or "")
                }
                if changed:
                    model.objects.filter(pk=row.pk).update(**changed)

    return clean
