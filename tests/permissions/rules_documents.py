"""Permission-matrix entries for documents (url name -> rule); an area module of
test_url_matrix.py.

Download and delete take a document's id; they are walked in each referral scenario (a
document on that scenario's referral: its sight is the referral's, less referrers, who see
the status of what they referred and never its evidence) and on a case, a meeting and an
information request. Upload pages take their record's id and are walked once each.
"""

from __future__ import annotations

from tests.permissions.rules import SEES

PREFIX = "documents:"
REFERRAL_SCENARIOS = ["own", "other", "shared_live", "shared_expired", "pack_open", "pack_closed"]
RECORD_SCENARIOS = ["case", "meeting", "request"]
REFERRERS = {"referrer_a", "referrer_b"}
SEES_DOCUMENT = {
    **{scenario: SEES[scenario] - REFERRERS for scenario in REFERRAL_SCENARIOS},
    # Agency A's case (its SPOC manages it).
    "case": {"coordinator", "spoc_a", "panel_a"},
    # A meeting's papers: members of the panel.
    "meeting": {"coordinator", "chair", "panel_a"},
    # An open request about agency A's referral, asked of agency B.
    "request": {"coordinator", "spoc_a", "panel_a", "spoc_b"},
}


def build(world, refs) -> dict:
    from datetime import timedelta

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    from documents.services import document_upload
    from referrals.models import InformationRequest
    from tests import factories

    def add(record, user):
        return document_upload(
            record=record,
            upload=SimpleUploadedFile("form.pdf", b"%PDF-1.4\n%%EOF\n"),
            title="Matrix document",
            reason="matrix",
            acting_user=user,
        )

    case = factories.channel_case(world.agency_a, world.spoc_a)
    meeting = factories.meeting(world.chair)
    request = InformationRequest.objects.create(
        referral=refs["own"],
        agency=world.agency_b,
        question="Known?",
        due_on=timezone.localdate() + timedelta(days=7),
        requested_by=world.coordinator,
    )
    documents = {
        scenario: add(refs[scenario], world.coordinator) for scenario in REFERRAL_SCENARIOS
    }
    documents["case"] = add(case, world.coordinator)
    documents["meeting"] = add(meeting, world.coordinator)
    documents["request"] = add(request, world.spoc_b)
    return {
        "documents": documents,
        "referral_upload": refs["own"],
        "case_upload": case,
        "meeting_upload": meeting,
        "request_upload": request,
    }


def scenarios(route) -> list[str]:
    if route.key in {"documents:download", "documents:delete"}:
        return REFERRAL_SCENARIOS + RECORD_SCENARIOS
    return ["own"]


def values(route, scenario, objects) -> dict:
    name = route.key.removeprefix(PREFIX)
    if name in objects:
        return {"pk": objects[name].pk}
    return {"pk": objects["documents"][scenario].pk}


def _download(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if method == "POST":
        return {405}
    return {200} if persona in SEES_DOCUMENT[scenario] else {404}


def _delete(persona, method, scenario):
    if persona == "anonymous":
        return {302}
    if persona not in SEES_DOCUMENT[scenario]:
        return {404}
    # An empty POST shows the form's errors again.
    return {200} if persona == "coordinator" else {403}


def _upload(sees: set[str], allowed: set[str], refused_first: bool = False):
    """``sees``: who finds the record (others 404); ``allowed``: who may add (others 403).
    ``refused_first``: a role check answers 403 before the record is looked up."""

    def rule(persona, method, scenario):
        if persona == "anonymous":
            return {302}
        if persona in allowed:
            return {200}  # the page, or an empty POST's errors
        if refused_first or persona in sees:
            return {403}
        return {404}

    return rule


EXPECTED: dict = {
    "documents:download": _download,
    "documents:delete": _delete,
    # Agency A's referral: the Coordinator and agency A's SPOC add information to it; its
    # panel member and its referrer see it but may not add.
    "documents:referral_upload": _upload(SEES["own"], {"coordinator", "spoc_a"}),
    "documents:case_upload": _upload(SEES_DOCUMENT["case"], {"coordinator", "spoc_a", "panel_a"}),
    # Meetings: panel roles only (403 to everyone else), managing them the Coordinator's.
    "documents:meeting_upload": _upload(set(), {"coordinator"}, refused_first=True),
    # The request's page: SPOCs only (403 to everyone else); the agency asked finds it.
    "documents:request_upload": lambda p, m, s: (
        {302} if p == "anonymous" else {200} if p == "spoc_b" else {404} if p == "spoc_a" else {403}
    ),
}
