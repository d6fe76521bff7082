"""The links each role sees on the home page and in the header for governance."""

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import ADMINISTRATION, GOVERNANCE, NavItem

NAV_ITEMS = [
    NavItem(
        label="Boards",
        url_name="governance:board_list",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
        description="The boards that receive Prevent updates, when each is next due.",
        order=42,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Action plan",
        url_name="governance:period_list",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
        description="The strategy's priority actions, their items, progress and RAG status.",
        order=44,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Your agency's actions",
        url_name="governance:my_items",
        roles=frozenset({Role.SPOC}),
        description="Action-plan items your agency owns: add progress updates to them.",
        order=45,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Registers",
        url_name="governance:register_index",
        roles=frozenset({Role.COORDINATOR}),
        description=(
            "CTLP briefings, venue-booking reviews, supplementary education settings and "
            "Home Office-funded projects."
        ),
        order=46,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Dashboard",
        url_name="governance:dashboard",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
        description=(
            "Figures for a period: referrals, mental-health flags, panel meetings, training "
            "compliance, board updates and the action plan. No personal data."
        ),
        order=40,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Regional figures",
        url_name="governance:regional",
        roles=frozenset({Role.REGIONAL_LEAD}),
        description=(
            "Each council area's referral and Channel Panel figures side by side, with the "
            "region's total. Small numbers hidden; no personal data."
        ),
        order=41,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Board reports",
        url_name="governance:report_list",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
        description="Generate a board's Prevent update as a PDF and record it once presented.",
        order=43,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Subject access requests",
        url_name="governance:subject_access_list",
        roles=frozenset({Role.COORDINATOR}),
        description=(
            "Export everything held on one person, with who opened their records, for a "
            "subject access request."
        ),
        order=53,
        section=ADMINISTRATION,
    ),
]
