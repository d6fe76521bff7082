"""Out-of-range ids in model choice fields are a form error, never a server error.

Django's ``ModelMultipleChoiceField`` checks each posted id by building a filter and catching
``ValueError`` and ``TypeError``, then runs ``pk__in`` with them all. An integer id past the
64-bit range (a tampered or fuzzed form: "1180591620717411303424") passes the first check and
then makes SQLite raise ``OverflowError`` inside the query: a 500 on every form with a
multiple choice of records. ``install()`` (called once from ``CoreConfig.ready``) makes such a
value "not a valid choice" for every model choice field in the project, whatever form it is
on; tests/core/test_form_conventions.py posts one to every such field.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.forms.models import ModelChoiceField, ModelMultipleChoiceField

BIGINT_MAX = 2**63 - 1


def _out_of_range(field: ModelChoiceField, value) -> bool:
    key = field.to_field_name or "pk"
    target = (
        field.queryset.model._meta.pk if key == "pk" else field.queryset.model._meta.get_field(key)
    )
    if not isinstance(target, models.IntegerField | models.AutoField | models.ForeignKey):
        return False
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return False
    return not -BIGINT_MAX - 1 <= number <= BIGINT_MAX


def install() -> None:
    if getattr(ModelMultipleChoiceField, "_prevent_guarded", False):
        return
    check_values = ModelMultipleChoiceField._check_values
    to_python = ModelChoiceField.to_python

    def guarded_check_values(self, value):
        if isinstance(value, list | tuple | set | frozenset):
            for pk in value:
                if _out_of_range(self, pk):
                    raise ValidationError(
                        self.error_messages["invalid_pk_value"],
                        code="invalid_pk_value",
                        params={"pk": pk},
                    )
        return check_values(self, value)

    def guarded_to_python(self, value):
        if value not in self.empty_values and _out_of_range(self, value):
            raise ValidationError(
                self.error_messages["invalid_choice"],
                code="invalid_choice",
                params={"value": value},
            )
        return to_python(self, value)

    ModelMultipleChoiceField._check_values = guarded_check_values
    ModelChoiceField.to_python = guarded_to_python
    ModelMultipleChoiceField._prevent_guarded = True
