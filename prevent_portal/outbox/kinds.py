"""Every kind of notification the service sends, in one registry.

The outbox refuses a kind that is not listed here (``notification_queue`` and
``notification_queue_many`` raise ``UnregisteredKind``), and
``tests/outbox/test_every_kind.py`` makes every kind listed here speak about a person with
distinctive details and checks that none of them reaches the subject, the body or an
attachment, and that every link is absolute. So a new notification is one line here, and
the test that guards it comes with it.

``about`` names the model of the protected record a notification is about (its
``visible_to`` decides sight). ``notification_queue`` then needs that record and queues
nothing for a recipient who may not see it: e-mail goes only to people who may open what
it points at.

Adding a kind: add a ``Kind`` line below (name, what it says and to whom, ``about``), and
add a scenario for it in ``tests/outbox/test_every_kind.py``.
"""

from __future__ import annotations

from dataclasses import dataclass


class UnregisteredKind(ValueError):
    """A notification whose kind is not in KINDS: nobody has checked what it says."""


@dataclass(frozen=True)
class Kind:
    name: str
    description: str
    # "app_label.ModelName" of the protected record the notification is about, if any.
    about: str | None = None
    # Its link is a one-time secret (a set-up, invitation or password reset link): it goes
    # to the mailbox only, never onto a page ("Your notifications" shows no link for it).
    secret_link: bool = False


_ALL = [
    # --- Referrals
    Kind(
        "referral_received",
        "A new referral waits for triage (to Coordinators)",
        "referrals.Referral",
    ),
    Kind("referral_shared", "A referral was shared with you or your agency", "referrals.Referral"),
    Kind("referral_closed", "Your referral has closed (to its referrer)"),
    Kind(
        "information_requested",
        "The Coordinator asked your agency for information (to its SPOCs)",
        "referrals.InformationRequest",
    ),
    Kind(
        "information_answered",
        "An agency answered an information request (to who asked)",
        "referrals.Referral",
    ),
    Kind(
        "information_request_withdrawn",
        "An information request to your agency was withdrawn (to its SPOCs)",
    ),
    Kind(
        "area_transfer_proposed",
        "Another council area proposes a transfer to yours (to this area's Coordinators)",
        "referrals.AreaTransfer",
    ),
    Kind(
        "cross_area_requested",
        "Another council area's Coordinator asked for information (to this area's Coordinators)",
        "referrals.CrossAreaRequest",
    ),
    Kind(
        "cross_area_replied",
        "The area asked replied to a request for information (to the asking Coordinators)",
        "referrals.CrossAreaRequest",
    ),
    Kind(
        "information_request_overdue",
        "Chaser: an information request to your agency is overdue (reminder sweep)",
    ),
    Kind("triage_overdue", "A referral is past its triage target (reminder sweep)"),
    # --- Channel Panel
    Kind(
        "panel_invitation",
        "Invitation to a Channel Panel meeting, with a calendar file",
        "channel_panel.PanelMeeting",
    ),
    Kind(
        "panel_invitation_updated",
        "A Channel Panel meeting moved: updated invitation and calendar file",
        "channel_panel.PanelMeeting",
    ),
    Kind(
        "panel_invitation_cancelled",
        "An invitation to a Channel Panel meeting was withdrawn: calendar cancellation",
    ),
    Kind("panel_pack_open", "A meeting's pack is open to you (reminder sweep)"),
    Kind(
        "panel_minutes_approved",
        "The minutes of a meeting you attended are approved (to attendees)",
        "channel_panel.PanelMeeting",
    ),
    Kind(
        "case_adopted",
        "You are the case manager of a new Channel case",
        "channel_panel.ChannelCase",
    ),
    Kind(
        "case_ownership_returned",
        "A Channel case has been returned to your agency, with you as its case manager",
        "channel_panel.ChannelCase",
    ),
    Kind(
        "panel_action_due",
        "An action from a panel meeting you or your agency own is due or overdue (reminder sweep)",
    ),
    Kind("channel_contact_overdue", "A support contact is overdue (reminder sweep)"),
    Kind("channel_consent_at_18", "Consent is needed again at 18 (reminder sweep)"),
    Kind("channel_post_exit_review", "A post-exit review is due (reminder sweep)"),
    # --- Training and governance
    Kind("training_return", "Your agency's training return is due (reminder sweep)"),
    Kind("training_overdue", "Training returns are overdue (reminder sweep)"),
    Kind("board_update", "A board update is due (reminder sweep)"),
    Kind("board_update_overdue", "A board update is overdue (reminder sweep)"),
    # --- Accounts and the audit trail (about staff accounts, never a referred person)
    Kind(
        "accounts.enrolment_link",
        "Set up your authenticator app: a one-time link",
        secret_link=True,
    ),
    Kind(
        "accounts.invitation",
        "Your new account: a one-time link to choose a password and set up the app",
        secret_link=True,
    ),
    Kind(
        "accounts.password_reset",
        "Forgot your password: a one-time link (to its holder)",
        secret_link=True,
    ),
    Kind(
        "accounts.account_request",
        "A SPOC asked for an account for a colleague (to system administrators)",
    ),
    Kind(
        "accounts.account_request_decided",
        "Your request for a colleague's account was made or declined (to the SPOC)",
    ),
    Kind("accounts.disabled_inactive", "An account at your agency was disabled (to its SPOCs)"),
    Kind("accounts.role_ended", "A role was ended (to Coordinators)"),
    Kind("accounts.change_requested", "An account change waits for approval (to Coordinators)"),
    Kind("accounts.change_approved", "An account change has one approval (to Coordinators)"),
    Kind("accounts.change_done", "An account change was made (to Coordinators)"),
    Kind("accounts.change_refused", "An account change was refused (to Coordinators)"),
    Kind("audit.chain_check_failed", "The nightly audit trail check failed (to Coordinators)"),
]

KINDS: dict[str, Kind] = {kind.name: kind for kind in _ALL}
assert len(KINDS) == len(_ALL), "a notification kind is listed twice"


def kind_get(name: str) -> Kind:
    """The registered kind ``name``; UnregisteredKind if it is not in KINDS."""
    try:
        return KINDS[name]
    except KeyError:
        raise UnregisteredKind(
            f"Notification kind {name!r} is not registered in prevent_portal/outbox/kinds.py"
        ) from None
