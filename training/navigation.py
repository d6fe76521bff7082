"""The links each role sees on the home page and in the header for training."""

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import TRAINING, NavItem

NAV_ITEMS = [
    NavItem(
        label="Training returns",
        url_name="training:returns",
        # The Coordinator reaches returns from the compliance page: one header link each.
        roles=frozenset({Role.SPOC}),
        description=(
            "Each quarter's figures for Prevent training: eligible staff and how many are "
            "compliant. Enter, correct or upload them."
        ),
        order=30,
        section=TRAINING,
    ),
    NavItem(
        label="Training compliance",
        url_name="training:compliance",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER, Role.PANEL_CHAIR, Role.SPOC}),
        description=(
            "Compliance per agency, training type and quarter against target, with trends."
        ),
        order=31,
        section=TRAINING,
    ),
]
