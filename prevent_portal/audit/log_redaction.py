"""Keep personal data out of the application log.

Tracebacks keep their frames and exception types but not their messages: an exception
message can quote the data that caused it (``int('<a name>')``, a unique-key DETAIL from
PostgreSQL, a template variable). The console handler in ``settings.LOGGING`` uses this
filter; tests/audit/test_no_leaks.py proves it with canary values.
"""

from __future__ import annotations

import logging
import traceback

WITHHELD = "[message withheld: it may quote personal data]"


def _chain(exc: BaseException) -> list[BaseException]:
    """The exception and its causes, oldest first, as Python prints them."""
    chain, seen = [], set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    return chain[::-1]


def format_without_messages(exc: BaseException) -> str:
    parts = []
    for link in _chain(exc):
        if parts:
            parts.append("\nThe above exception led to the following exception:\n\n")
        parts.append("Traceback (most recent call last):\n")
        parts.extend(traceback.format_tb(link.__traceback__))
        kind = type(link)
        parts.append(f"{kind.__module__}.{kind.__qualname__}: {WITHHELD}\n")
    return "".join(parts).rstrip("\n")


class WithholdExceptionMessages(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = format_without_messages(record.exc_info[1])
        return True
