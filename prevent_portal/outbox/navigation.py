"""The link to "Your notifications", for the header's account links (next to "Sign out").

Not registered in the main navigation (prevent_portal.core.navigation): it is about the
person signed in, not a part of the work, and every signed-in user has it, with or without
a role. It is linked from "Your account" (a third link beside "Sign out" wrapped the header
to two rows at 1,024 px).
"""

from __future__ import annotations

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import ACCOUNT, NavItem

YOUR_NOTIFICATIONS = NavItem(
    label="Your notifications",
    url_name="outbox:notification_list",
    roles=frozenset(Role.values),
    description="The e-mails the service has sent you, with their links.",
    order=95,
    section=ACCOUNT,
)
ACCOUNT_NAV_ITEMS = [YOUR_NOTIFICATIONS]
