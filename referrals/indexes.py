"""Indexes the name searches need (docs/performance.md, miss 3).

Django's ``istartswith`` is ``UPPER(column) LIKE UPPER('abc%')`` on PostgreSQL. A plain
index on the column cannot serve it; an index on ``UPPER(column)`` can, but only with a
pattern operator class when the database collation is not C (``LIKE 'ABC%'`` becomes the
range ``>= 'ABC' AND < 'ABD'`` only in byte order). ``OpClass`` is PostgreSQL syntax and
breaks ``CREATE INDEX`` on SQLite (the demo and the SQLite test run), so the operator class
is added only when the index is created on PostgreSQL; elsewhere it is a plain expression
index on ``UPPER(column)``.

Behind the council-area wall (row-level security, ADR 0011) that is not enough on a walled
table: PostgreSQL evaluates a query's own condition before the policy's, and so may take it
to an index, only when every function in it that reads a column is LEAKPROOF. ``UPPER()`` and
``LIKE`` are not; ``^@`` (``starts_with``) and the text comparisons are. So a walled table
keeps its names in capitals in generated columns (``Person.given_name_upper``), indexed with
``PrefixIndex``, and is searched with ``NameStartsWith`` (``column ^@ UPPER('abc')``): the
index range scan runs first, then the policy on the rows it found. The alias table is not
walled and keeps its ``UpperPrefixIndex``.
"""

from __future__ import annotations

from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Lookup, Value
from django.db.models.expressions import ExpressionList, OrderBy
from django.db.models.functions import Collate, Upper
from django.db.models.indexes import IndexExpression
from django.db.models.sql import Query

PATTERN_OPCLASS = "text_pattern_ops"  # UPPER() returns text


class UpperPrefixIndex(models.Index):
    """``UpperPrefixIndex(Upper("family_name"), name=...)``: an index on ``UPPER(column)``
    that serves ``column__istartswith`` as an index range scan on PostgreSQL."""

    def __init__(self, *expressions, **kwargs):
        if len(expressions) != 1 or not isinstance(expressions[0], Upper):
            raise ValueError("UpperPrefixIndex takes exactly one Upper(...) expression")
        super().__init__(*expressions, **kwargs)

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "postgresql":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        # Index.create_sql would put OpClass inside the expression's parentheses unless
        # django.contrib.postgres (not installed here) registered it as a wrapper for every
        # index; this one index says so for itself.
        expression = IndexExpression(OpClass(self.expressions[0], name=PATTERN_OPCLASS))
        expression.wrapper_classes = (OrderBy, OpClass, Collate)
        return schema_editor._create_index_sql(
            model,
            name=self.name,
            using=using,
            db_tablespace=self.db_tablespace,
            condition=self._get_condition_sql(model, schema_editor),
            expressions=ExpressionList(expression).resolve_expression(
                Query(model, alias_cols=False)
            ),
            **kwargs,  # concurrently=
        )


class PrefixIndex(models.Index):
    """``PrefixIndex(fields=["given_name_upper"], name=...)``: a b-tree with the pattern
    operator class on PostgreSQL (a prefix range scan whatever the collation), plain
    elsewhere (SQLite has no operator classes)."""

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor == "postgresql":
            self.opclasses = tuple(PATTERN_OPCLASS for _ in self.fields)
        try:
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        finally:
            self.opclasses = ()


class NameStartsWith(Lookup):
    """``NameStartsWith(F("given_name_upper"), word)``: the capitalised column starts with
    ``UPPER(word)``. On PostgreSQL ``^@``, which is LEAKPROOF and served by a ``PrefixIndex``
    behind row-level security (``%`` and ``_`` in ``word`` are letters, not wildcards);
    elsewhere the same test with ``substr``."""

    lookup_name = "name_starts_with"

    def __init__(self, lhs, word: str):
        super().__init__(lhs, Upper(Value(word)))

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} ^@ {rhs}", [*lhs_params, *rhs_params]
        return (
            f"substr({lhs}, 1, length({rhs})) = {rhs}",
            [*lhs_params, *rhs_params, *rhs_params],
        )
