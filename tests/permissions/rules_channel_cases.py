"""Permission-matrix entries for the Channel Panel cases views (url name -> rule).

Scenarios and who sees what: see rules_channel_panel.py (SEES_CASE, CHANGES_CASE).
The list is for the agency case roles (403 to others). On one case, whoever cannot see it
gets 404; whoever sees it but may not change it gets 403 on the forms that change it; a
note is open to every viewer (a panel member in the pack window included). A form page
answers GET, and an empty POST shows it again with its errors (200).
"""

from tests.permissions.rules_channel_panel import CHANGES_CASE, SEES_CASE

CASE_ROLES = {"coordinator", "chair", "spoc_a", "spoc_b", "panel_a"}


def _list(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in CASE_ROLES else {403}


def _detail(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in SEES_CASE[scenario] else {404}


def _change_form(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES_CASE[scenario]:
        return {404}
    return {200} if persona in CHANGES_CASE[scenario] else {403}


def _note_form(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    return {200} if persona in SEES_CASE[scenario] else {404}


def _exit_check(persona, method, scenario):
    """Check your answers: without answers in the session, GET says nothing is answered yet
    and a POST sends the user back to the form."""
    if persona == "anonymous":
        return {302}
    if persona not in SEES_CASE[scenario]:
        return {404}
    if persona not in CHANGES_CASE[scenario]:
        return {403}
    return {302} if method == "POST" else {200}


def _chair_form(persona, method, scenario):
    """The chair's agreement to an exit: a panel chair who may change the case."""
    if persona == "anonymous":
        return {302}
    if persona not in SEES_CASE[scenario]:
        return {404}
    return {200} if persona == "chair" and persona in CHANGES_CASE[scenario] else {403}


def _assessment_form(persona, method, scenario):
    """A review of the vulnerability assessment: whoever sees the case, if they draft
    assessments (the Coordinator among the personas; the police Channel practitioner is
    tested in tests/channel_panel/test_assessments.py). An empty POST shows the errors."""
    if persona == "anonymous":
        return {302}
    if persona not in SEES_CASE[scenario]:
        return {404}
    return {200} if persona == "coordinator" else {403}


EXPECTED: dict = {
    "channel_panel:case_list": _list,
    "channel_panel:case_detail": _detail,
    "channel_panel:case_consent_record": _change_form,
    "channel_panel:case_consent_withdraw": _change_form,
    "channel_panel:case_flag_add": _change_form,
    "channel_panel:case_flag_remove": _change_form,
    "channel_panel:case_action_add": _change_form,
    "channel_panel:case_action_edit": _change_form,
    "channel_panel:case_contact_record": _change_form,
    "channel_panel:case_note_add": _note_form,
    "channel_panel:case_exit": _change_form,
    "channel_panel:case_exit_check": _exit_check,
    "channel_panel:case_exit_agree": _chair_form,
    "channel_panel:case_review_record": _change_form,
    # The vulnerability assessment (issue 17): read by whoever sees the case.
    "channel_panel:case_assessments": _detail,
    "channel_panel:case_assessment_detail": _detail,
    "channel_panel:case_assessment_new": _assessment_form,
}
