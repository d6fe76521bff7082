"""The audit pages' link on the home page and in the header."""

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import ADMINISTRATION, NavItem

NAV_ITEMS = [
    NavItem(
        label="Unusual access",
        url_name="audit:unusual_access",
        roles=frozenset({Role.COORDINATOR, Role.SPOC}),
        description="Records of other agencies that your users opened, and how often.",
        order=52,
        section=ADMINISTRATION,
    ),
]
