"""The links each role sees on the home page and in the header for referrals."""

from prevent_portal.accounts.models import Role
from prevent_portal.core.navigation import ADMINISTRATION, GOVERNANCE, REFERRALS, NavItem

NAV_ITEMS = [
    NavItem(
        label="Referrals",
        url_name="referrals:list",
        roles=frozenset(
            {
                Role.COORDINATOR,
                Role.PANEL_CHAIR,
                Role.PANEL_MEMBER,
                Role.SPOC,
                Role.REFERRER,
            }
        ),
        description=("Referrals you can see: your agency's, your own, and those shared with you."),
        order=10,
        section=REFERRALS,
    ),
    NavItem(
        label="Make a referral",
        url_name="referrals:intake_start",
        roles=frozenset({Role.REFERRER, Role.SPOC, Role.COORDINATOR}),
        description="Tell the Prevent Coordinator about a concern about someone.",
        order=14,
        section=REFERRALS,
    ),
    NavItem(
        label="Your referrals",
        url_name="referrals:mine",
        roles=frozenset({Role.REFERRER}),
        description="The referrals you have made and where each one has got to.",
        order=11,
        section=REFERRALS,
    ),
    NavItem(
        label="Triage queue",
        url_name="referrals:triage_queue",
        roles=frozenset({Role.COORDINATOR}),
        description="Referrals waiting for triage, against the target time.",
        order=12,
        section=REFERRALS,
    ),
    NavItem(
        label="Information requests",
        url_name="referrals:information_requests",
        roles=frozenset({Role.SPOC}),
        description="Questions the Prevent Coordinator has asked your agency.",
        order=13,
        section=REFERRALS,
    ),
    NavItem(
        label="Statistics",
        url_name="referrals:statistics",
        roles=frozenset({Role.COORDINATOR, Role.MANAGER}),
        description="The Home Office profile of referrals received in a period.",
        order=41,
        section=GOVERNANCE,
    ),
    NavItem(
        label="Import referrals",
        url_name="referrals:import",
        roles=frozenset({Role.COORDINATOR}),
        description="Upload historical referrals from a CSV or XLSX file.",
        order=55,
        section=ADMINISTRATION,
    ),
    NavItem(
        label="Records past retention",
        url_name="referrals:retention_reviews",
        roles=frozenset({Role.COORDINATOR}),
        description=(
            "Approve deletion of personal data past the retention schedule, or apply a legal "
            "hold; change the retention rules."
        ),
        order=54,
        section=ADMINISTRATION,
    ),
]
