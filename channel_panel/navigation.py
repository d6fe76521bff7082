"""The links each role sees on the home page and in the header for the Channel Panel."""

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import CHANNEL, NavItem

NAV_ITEMS = [
    NavItem(
        label="Panel meetings",
        url_name="channel_panel:meetings",
        roles=frozenset({Role.COORDINATOR, Role.PANEL_CHAIR, Role.PANEL_MEMBER}),
        description="Channel Panel meetings: agendas, panel packs, attendance and decisions.",
        order=20,
        section=CHANNEL,
    ),
]
