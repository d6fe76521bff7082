"""The Channel Panel's lifecycles: every state change of a meeting, an agenda item's decision
and a Channel case, with its preconditions, in one table a reviewer can read in one sitting.

Services call ``<LIFECYCLE>.require(step, record, **context)`` before they write; views call
``<LIFECYCLE>.needed(step, record, **context)`` to tell the user what is still needed. The
framework is ``prevent_portal/core/lifecycle.py``; ``docs/architecture.md`` prints these
tables (a test keeps them the same).
"""

from __future__ import annotations

# --- Meetings and decisions -------------------------------------------------------------
# (filled by the meetings work: holding a meeting, quorum, decisions and corrections)

# --- Channel cases ----------------------------------------------------------------------
# (filled by the cases work: consent, support, exit with its check-your-answers, reviews)
