"""Links in e-mails: always absolute, on SITE_URL.

An e-mail is read outside the site, so a link like ``/referrals/4/`` leads nowhere. Every
notification builds its links here, and the outbox refuses a body with a relative link
(``check_links``), so a new notification cannot slip one in.
"""

from __future__ import annotations

import re

from django.conf import settings

from prevent_portal.core.links import record_url

# A path on its own: "/referrals/4/" after a space, a colon or the start of a line.
RELATIVE_LINK = re.compile(r"(?:^|[\s(:])(/[\w-]+(?:/[\w.-]*)*)", re.MULTILINE)


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) on the site's address."""
    return settings.SITE_URL.rstrip("/") + path


def site_link(viewname: str, *args) -> str:
    """The absolute address of a view: ``site_link("referrals:triage", referral.pk)``.

    The reminder sweep builds one for every reminder (13,000 at scale 1, issue 18): through
    ``record_url``, a view with whole-number arguments is reversed once, not per link."""
    return absolute_url(record_url(viewname, *args))


def check_links(text: str) -> None:
    """Raise ValueError if ``text`` holds a relative link."""
    match = RELATIVE_LINK.search(text)
    if match:
        raise ValueError(
            f"A notification has a relative link ({match.group(1)}): use "
            "prevent_portal.outbox.links.site_link"
        )
