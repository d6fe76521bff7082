"""Links in e-mails: always absolute, on SITE_URL.

An e-mail is read outside the site, so a link like ``/referrals/4/`` leads nowhere. Every
notification builds its links here, and the outbox refuses a body with a relative link
(``check_links``), so a new notification cannot slip one in.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.urls import get_urlconf, reverse

# A path on its own: "/referrals/4/" after a space, a colon or the start of a line.
RELATIVE_LINK = re.compile(r"(?:^|[\s(:])(/[\w-]+(?:/[\w.-]*)*)", re.MULTILINE)


def absolute_url(path: str) -> str:
    """``path`` (from ``reverse``) on the site's address."""
    return settings.SITE_URL.rstrip("/") + path


def site_link(viewname: str, *args) -> str:
    """The absolute address of a view: ``site_link("referrals:triage", referral.pk)``.

    The reminder sweep builds one for every reminder (13,000 at scale 1, issue 18): for
    whole-number arguments the view's address is reversed once, with stand-in numbers, and
    the numbers written into it after; anything else is reversed each time."""
    if args and all(type(arg) is int and arg >= 0 for arg in args):
        shape = _int_shape(viewname, len(args))
        if shape is not None:
            return shape.format(*args)
    return absolute_url(reverse(viewname, args=args))


# Stand-ins that cannot be mistaken for anything else in an address.
_STAND_INS = tuple(9_876_543_210 + n for n in range(8))
_SHAPES: dict[tuple[str, int, str, str], str | None] = {}


def _int_shape(viewname: str, count: int) -> str | None:
    """The absolute address of ``viewname`` with ``count`` whole numbers as a format string
    ("https://site/referrals/{0}/triage/"), or None when the stand-ins do not come out as
    they went in (a converter that changes them): then every link is reversed. Keyed by the
    URLconf and SITE_URL too, so a test that changes either gets its own."""
    if count > len(_STAND_INS):
        return None
    key = (viewname, count, str(get_urlconf() or settings.ROOT_URLCONF), settings.SITE_URL)
    if key not in _SHAPES:
        stand_ins = _STAND_INS[:count]
        address = absolute_url(reverse(viewname, args=stand_ins))
        shape = address.replace("{", "{{").replace("}", "}}")
        for n, stand_in in enumerate(stand_ins):
            if shape.count(str(stand_in)) != 1:
                shape = None
                break
            shape = shape.replace(str(stand_in), f"{{{n}}}")
        _SHAPES[key] = shape
    return _SHAPES[key]


def check_links(text: str) -> None:
    """Raise ValueError if ``text`` holds a relative link."""
    match = RELATIVE_LINK.search(text)
    if match:
        raise ValueError(
            f"A notification has a relative link ({match.group(1)}): use "
            "prevent_portal.outbox.links.site_link"
        )
