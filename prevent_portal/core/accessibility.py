"""The facts behind the accessibility statement (templates/core/accessibility.html) that a
person updates by hand when they check the service again.

The Public Sector Bodies (Websites and Mobile Applications) (No. 2) Accessibility
Regulations 2018 ask the statement to say when the service was last tested and how. The
automated part runs on every test run (tests/browser/test_pages.py: axe-core in Chromium on
every page and on the error states of forms); the date here is the day someone last ran it
over every page, read the results and reviewed the statement against them.
tests/core/test_accessibility_statement.py fails when the axe-core version named here is no
longer the one the browser tests run, so the statement cannot claim a check that changed.
"""

from __future__ import annotations

from datetime import date

# The day the whole page walk last ran and this statement was reviewed against it.
LAST_TESTED = date(2026, 12, 7)
# The day the statement was first written in this form (the GOV.UK model statement).
PREPARED = date(2026, 12, 7)
# The axe-core release the browser tests run (axe-playwright-python ships it).
AXE_CORE_VERSION = "4.12"
