"""Permission-matrix entries for the Channel Panel meetings views (url name -> rule).

Scenarios and who sees what: see rules_channel_panel.py (SEES_CASE, CHANGES_CASE).

Meeting pages are for the panel: the Coordinator, panel chairs and panel members; everyone
else gets 403 whatever the meeting. The Coordinator manages meetings (schedule, edit, build
the agenda, remove items); panel chairs and the Coordinator run them (items, invitees,
attendance, decisions, minutes). The pack is for the meeting's invitees (panel_a, as a
member of a core agency), chairs and the Coordinator. The matrix posts empty forms: a form
or a button carrying the meeting's version answers with the page and its errors (200).
"""

PANEL = {"coordinator", "chair", "panel_a"}
CHAIRS = {"coordinator", "chair"}
MANAGERS = {"coordinator"}


def _page(allowed, *, get=200, post=200):
    """A page with a form: GET shows it, an empty POST shows it again with errors."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if persona not in allowed:
            return {403}
        return {get} if method == "GET" else {post}

    return rule


def _read(allowed):
    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if method == "POST":
            return {405}
        return {200} if persona in allowed else {403}

    return rule


def _in_an_area(rule):
    """A meeting's pack is heard of within the reader's council areas (``heard_of_by``):
    someone holding no role anywhere is in no area, and gets 404 where others get 403."""

    def wrapped(persona, method, scenario):
        answer = rule(persona, method, scenario)
        return {404} if persona == "no_role" and answer == {403} else answer

    return wrapped


def _button(allowed, *, answers):
    """A POST-only button; ``answers`` maps a persona to what it gets when allowed."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if method == "GET":
            return {405}
        if persona not in allowed:
            return {403}
        return answers.get(persona, {200})

    return rule


def _action_close(persona, method, scenario):
    """An action of the open meeting about agency B's new referral, owned by agency B: seen
    by those who see the referral and hear of the meeting or own the action (the panel, the
    invited panel member while the pack is open, agency B's SPOC); closed by the owner and
    the minutes' writers (the panel member may not: 403); 404 for everyone else. An empty
    form: its errors (200)."""
    if persona == "anonymous":
        return {302}
    if persona not in PANEL | {"spoc_b"}:
        return {404}
    if persona == "panel_a":
        return {403}
    return {200}


def _signed_in_with_a_role(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {403} if persona == "no_role" else {200}


EXPECTED: dict = {
    "channel_panel:meetings": _read(PANEL),
    "channel_panel:meeting_schedule": _page(MANAGERS),
    "channel_panel:meeting_detail": _read(PANEL),
    "channel_panel:meeting_edit": _page(MANAGERS),
    "channel_panel:meeting_agenda_build": _button(MANAGERS, answers={"coordinator": {302}}),
    "channel_panel:meeting_item_add": _page(CHAIRS),
    # An empty move has no version: the meeting page comes back with the error.
    "channel_panel:meeting_item_move": _button(CHAIRS, answers={}),
    "channel_panel:meeting_item_remove": _button(MANAGERS, answers={"coordinator": {302}}),
    "channel_panel:meeting_decision": _page(CHAIRS),
    # Before the minutes are approved a correction is the decision's own page (redirect).
    "channel_panel:meeting_decision_correct": _page(CHAIRS, get=302, post=302),
    "channel_panel:meeting_invitee_add": _page(CHAIRS),
    # The coordinator goes first and withdraws the invitation: the chair then finds it gone.
    "channel_panel:meeting_invitee_remove": _button(
        CHAIRS, answers={"coordinator": {302}, "chair": {302, 404}}
    ),
    "channel_panel:meeting_attendance": _page(CHAIRS),
    "channel_panel:meeting_mark_held": _button(CHAIRS, answers={}),
    "channel_panel:meeting_minutes": _read(PANEL),
    "channel_panel:meeting_minutes_approve": _button(CHAIRS, answers={}),
    # The minutes beyond the decisions (issue 17).
    "channel_panel:meeting_minute_taker": _page(CHAIRS),
    "channel_panel:meeting_item_notes": _page(CHAIRS),
    "channel_panel:meeting_action_add": _page(CHAIRS),
    "channel_panel:meeting_action_close": _action_close,
    "channel_panel:meeting_actions": _signed_in_with_a_role,
    # The document goes to the attendees (nobody is recorded at the open meeting) and the
    # chair's side: a password page first.
    "channel_panel:meeting_minutes_download": _read(CHAIRS),
    "channel_panel:pack": _in_an_area(_read(PANEL)),
    "channel_panel:pack_pdf": _in_an_area(_read(PANEL)),
    # Asking for the pack's PDF, built in the background (issue 18): back to its page.
    "channel_panel:pack_pdf_prepare": _in_an_area(
        _button(PANEL, answers={p: {302} for p in PANEL})
    ),
    # Aggregates only: the Coordinator, chairs and managers (managers with small counts hidden).
    "channel_panel:report": _read({"coordinator", "chair", "manager"}),
}

# The vulnerability assessment of a new referral on the agenda (issue 17): a meeting page
# (panel roles only), then only whoever drafts assessments: the Coordinator among the
# personas (the police Channel practitioner is tested in tests/channel_panel/test_assessments.py).
EXPECTED["channel_panel:meeting_item_assessment"] = _page(MANAGERS)
