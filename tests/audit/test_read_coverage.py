"""Read coverage: every page, list, search and export that shows personal data writes an
access entry for each record it shows.

The walk reuses the permission matrix's scenario records (tests/permissions): every URL
pattern, in each of its scenarios, is opened (GET) by every persona the matrix expects to be
let in. Before the walk every person gets canary values (unique names, date of birth,
postcode, address). Whenever a response (HTML, CSV, XLSX or PDF text) shows a canary of a
person, or the reference of a referral or Channel case, that same request must have written
an auditlog ACCESS entry for the record shown (for a person's details: the person, one of
their referrals or one of their cases).

Every URL name must also be classified: PERSONAL_DATA_VIEWS (must write access entries) or
NO_PERSONAL_DATA_VIEWS (with the reason), so a new view cannot go unexamined.
"""

from __future__ import annotations

import io
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.urls import reverse

from channel_panel.models import ChannelCase
from referrals.models import Person, Referral
from referrals.services import referral_share
from tests import factories
from tests.browser.test_pages import PAGES, Scene
from tests.conftest import PERSONAS, World, build_world, sign_in
from tests.permissions.test_url_matrix import (
    AREAS,
    ROUTE_SCENARIOS,
    _values,
    expectation,
    scenario_objects,
)
from tests.permissions.urlwalk import all_routes

# url names that show personal data (a person's details, or a referral or case with its
# reference): each must write ACCESS entries for what it shows.
PERSONAL_DATA_VIEWS = {
    "referrals:list",
    "referrals:detail",
    "referrals:share",
    "referrals:intake_confirmation",
    "referrals:mine",
    "referrals:triage_queue",
    "referrals:triage",
    "referrals:triage_assign",
    "referrals:triage_information_request",
    "referrals:triage_gateway",
    "referrals:triage_outcome",
    "referrals:triage_reclassify",
    "referrals:chronology_note",
    "referrals:chronology_correction",
    "referrals:information_requests",
    "referrals:information_request_answer",
    "referrals:information_request_withdraw",
    "referrals:status",
    "referrals:earlier_referrals",
    # Requests between council areas (issue 18): the list shows the sent requests'
    # references; the reply page, the area asked's own matching persons.
    "referrals:area_requests",
    "referrals:area_request_reply",
    "referrals:person",
    "referrals:person_edit",
    # Transfer between council areas: the summary is about a person.
    "referrals:transfer_list",
    "referrals:transfer_detail",
    "referrals:transfer_propose",
    "channel_panel:meeting_detail",
    "channel_panel:meeting_item_add",
    "channel_panel:meeting_decision",
    "channel_panel:meeting_decision_correct",
    "channel_panel:meeting_minutes",
    "channel_panel:meeting_item_notes",
    "channel_panel:meeting_action_close",
    "channel_panel:meeting_actions",
    "channel_panel:pack",
    "channel_panel:case_list",
    "channel_panel:case_detail",
    "channel_panel:case_consent_record",
    "channel_panel:case_consent_withdraw",
    "channel_panel:case_flag_add",
    "channel_panel:case_flag_remove",
    "channel_panel:case_action_add",
    "channel_panel:case_action_edit",
    "channel_panel:case_contact_record",
    "channel_panel:case_note_add",
    "channel_panel:case_exit",
    "channel_panel:case_exit_check",
    "channel_panel:case_exit_agree",
    "channel_panel:case_review_record",
    # The vulnerability assessment (issue 17): the case's, one in full, the review form, and
    # the form of a new referral on an agenda.
    "channel_panel:case_assessments",
    "channel_panel:case_assessment_detail",
    "channel_panel:case_assessment_new",
    "channel_panel:meeting_item_assessment",
    "governance:subject_access_search",
    "governance:subject_access_request",
    "referrals:search",
    # Documents: the file (and its record's reference on the upload pages) is personal data.
    "documents:referral_upload",
    "documents:case_upload",
    "documents:request_upload",
    "documents:download",
    "documents:delete",
}

_STATIC = "shows no record: a static page or a redirect"
_INTAKE = "the signed-in referrer's own unsent draft: no protected record exists yet"
_POST = "POST only (GET answers 405): its result page is classified on its own"
_AGGREGATE = "aggregate counts only, small numbers suppressed; no person or reference"
_TRAINING = "training figures per agency and sessions: no person who is a subject"
_GOVERNANCE = "boards, action plan and registers: council business, no person who is a subject"
_CONFIG = "configuration lookup tables"
_ADMIN = (
    "the Django admin, for the system administrator only: accounts, configuration tables "
    "and the audit log (references only, personal fields masked); no case content"
)

NO_PERSONAL_DATA_VIEWS: dict[str, str] = {
    "documents:meeting_upload": "the upload form for a meeting's papers: the meeting's date only",
    "core:home": "links and counts of the signed-in user's own work queues",
    "core:healthz": "a JSON health status",
    "core:accessibility": _STATIC,
    "core:keep_alive": "POST only, answers 204 with no body: the user is still active",
    "accounts:sign_in": _STATIC,
    "accounts:second_factor": _STATIC,
    "accounts:set_up_authenticator": "the signed-in user's own authenticator set-up",
    "accounts:enrol": "a redirect, or a page saying the set-up link does not work",
    "accounts:backup_codes": "the signed-in user's own backup codes",
    "accounts:sign_out": _POST,
    "referrals:share_revoke": _POST,
    "referrals:transfer_accept": _POST,
    "referrals:transfer_decline": _POST,
    "referrals:transfer_withdraw": _POST,
    "referrals:intake_start": _INTAKE,
    "referrals:intake_agency": _INTAKE,
    "referrals:intake_area": _INTAKE,
    "referrals:intake_name": _INTAKE,
    "referrals:intake_date_of_birth": _INTAKE,
    "referrals:intake_gender": _INTAKE,
    "referrals:intake_address": _INTAKE,
    "referrals:intake_school": _INTAKE,
    "referrals:intake_aliases": _INTAKE,
    "referrals:intake_concern": _INTAKE,
    "referrals:intake_concern_types": _INTAKE,
    "referrals:intake_needs": _INTAKE,
    "referrals:intake_awareness": _INTAKE,
    "referrals:intake_check": _INTAKE,
    # Agencies, sectors and a date: the person's date of birth is only checked against.
    "referrals:intake_source": _INTAKE,
    "referrals:intake_discard": _INTAKE,
    "referrals:statistics": _AGGREGATE,
    "referrals:earlier_referrals_refresh": _POST,
    "referrals:area_request_new": (
        "the form asking another area: that area's name and a score band, no person or reference"
    ),
    "referrals:repeat_match_confirm": _POST,
    "referrals:repeat_match_reject": _POST,
    "referrals:import": "an upload form; the file's rows are never shown back, only line numbers",
    "referrals:import_result": "the number of referrals imported",
    "channel_panel:meetings": "meeting dates, chairs and agenda sizes: no case on the page",
    "channel_panel:meeting_schedule": "a form to schedule a meeting",
    "channel_panel:meeting_edit": "the meeting's date, time and place",
    "channel_panel:meeting_agenda_build": _POST,
    "channel_panel:meeting_item_move": _POST,
    "channel_panel:meeting_item_remove": _POST,
    "channel_panel:meeting_invitee_add": "staff invited to the meeting, not subjects",
    "channel_panel:meeting_invitee_remove": _POST,
    "channel_panel:meeting_attendance": "staff attendance, not subjects",
    "channel_panel:meeting_mark_held": _POST,
    "channel_panel:meeting_minutes_approve": _POST,
    "channel_panel:meeting_minute_taker": "staff on the panel: who takes the minutes",
    "channel_panel:meeting_action_add": "a form: staff, agencies and items by number and kind",
    "channel_panel:meeting_minutes_download": (
        "shows a download password only; the encrypted PDF and DOCX it then hands over "
        "(?download=1) write an ACCESS entry per record (tests/channel_panel/test_minutes.py::"
        "test_the_minutes_document_holds_for_each_attendee_only_the_items_they_may_see)"
    ),
    "channel_panel:report": _AGGREGATE,
    "accounts:account_list": "staff accounts of the SPOC's agency: no subject of a referral",
    "accounts:account_deactivate": "a staff account: no subject of a referral",
    "accounts:approval_list": "staff usernames and the roles asked for: no subject of a referral",
    "accounts:approval_decide": "a staff username and a role: no subject of a referral",
    **{
        f"accounts:{name}": "staff accounts, account requests and roles: no subject of a referral"
        for name in [
            "account_create",
            "account_detail",
            "account_reactivate",
            "account_role_add",
            "account_role_end",
            "account_invitation_resend",
            "account_edit",
            "account_identity",
            "account_identity_unlink",
            "account_authenticator_reset",
            "account_setup_link_send",
            "account_request_list",
            "account_request_add",
            "account_request_detail",
            "access_review",
            "access_review_answer",
            "access_review_act",
        ]
    },
    **{
        f"accounts:{name}": "the signed-in user's own account, sign-ins and sessions"
        for name in ["your_account", "password_change", "sessions_end_others"]
    },
    **{
        f"accounts:{name}": "a password form or a page saying the link does not work"
        for name in [
            "forgot_password",
            "forgot_password_sent",
            "password_reset_link",
            "password_reset",
            "choose_password",
        ]
    },
    "accounts:confirm_identity": "the signed-in user's own password or security code",
    "accounts:sso_start": "a redirect to the council's identity provider",
    "accounts:sso_callback": "the identity provider's answer: signs in or refuses",
    "governance:subject_access_list": "request references and staff: each person by number only",
    "governance:subject_access_detail": "an export's progress and counts: no name or reference",
    "channel_panel:pack_pdf": (
        "shows the PDF's progress or a download password only; the encrypted PDF it then "
        "hands over (?download=1) writes an ACCESS entry per record (tests/channel_panel/"
        "test_pack_page.py::test_the_pdf_pack_is_an_a4_document_marked_official_sensitive)"
    ),
    "channel_panel:pack_pdf_prepare": (
        "POST only: queues the reader's pack PDF, built in the background, and shows nothing "
        "(the download writes the ACCESS entries: tests/channel_panel/test_pack_pdf_build.py)"
    ),
    "governance:subject_access_download": (
        "POST only, so the walk cannot open it: hands the subject access zip over once and "
        "writes an ACCESS entry on the person (tests/governance/test_subject_access.py)"
    ),
    "referrals:retention_rules": _CONFIG,
    "referrals:retention_rule_edit": _CONFIG,
    "governance:dashboard": _AGGREGATE,
    "governance:regional": _AGGREGATE,
    "governance:report_list": _AGGREGATE,
    "governance:report_add": _AGGREGATE,
    "governance:report_detail": _AGGREGATE,
    "governance:report_pdf": _AGGREGATE,
    "governance:report_docx": _AGGREGATE,
    "governance:report_narrative": _AGGREGATE,
    "governance:report_present": _AGGREGATE,
    **{
        f"training:{name}": _CONFIG if name.startswith(("type", "period")) else _TRAINING
        for name in [
            "compliance",
            "returns",
            "return_add",
            "return_detail",
            "return_edit",
            "upload",
            "upload_result",
            "sessions",
            "session_add",
            "session_edit",
            "coverage",
            "coverage_add",
            "coverage_edit",
            "types",
            "type_add",
            "type_edit",
            "periods",
            "period_add",
            "period_edit",
        ]
    },
    **{
        f"governance:{name}": _GOVERNANCE
        for name in [
            "board_list",
            "board_add",
            "board_detail",
            "board_edit",
            "board_update_add",
            "board_update_attachment",
            "period_list",
            "period_add",
            "period_detail",
            "period_edit",
            "action_add",
            "action_edit",
            "item_add",
            "item_detail",
            "item_edit",
            "progress_add",
            "my_items",
            "quarterly_review",
            "appendix",
            "appendix_pdf",
            "register_index",
            "register_list",
            "register_add",
            "register_edit",
            "register_delete",
        ]
    },
}

# Views that show references of records without showing the records themselves, on purpose:
# the reference is what they report on, and opening them is not opening the record.
REFERENCES_ONLY_VIEWS = {
    "audit:unusual_access": "who opened which record: references and owning agency only",
    "referrals:retention_reviews": "references and dates past retention; no name or concern",
    "referrals:retention_review": "one reference past retention; no name or concern",
    "outbox:notification_list": "the signed-in user's own e-mails: subjects name references "
    "only (prevent_portal/outbox/kinds.py, tests/outbox/test_every_kind.py)",
    "admin:auditlog_logentry_changelist": _ADMIN,
    "admin:auditlog_logentry_change": _ADMIN,
    "admin:auditlog_logentry_history": _ADMIN,
    "admin:auditlog_logentry_delete": _ADMIN,
}
NO_PERSONAL_DATA_VIEWS.update(REFERENCES_ONLY_VIEWS)

# Downloads and searches reached by a query string on a page's own URL.
QUERY_VARIANTS = {
    "governance:subject_access_search": ["?name=Canary"],  # every person (canary names)
    "referrals:statistics": ["?format=csv"],
    "channel_panel:report": ["?format=csv"],
    "training:compliance": ["?format=csv", "?format=xlsx"],
    "referrals:search": ["?q=Canarygiven"],  # every person the persona sees (canary names)
    "governance:register_list": ["?q=Test", "?format=csv", "?format=xlsx"],
}


def is_admin(route) -> bool:
    return route.key.startswith("admin:") or route.template.startswith("admin/")


def classification(route) -> str | None:
    if route.key in PERSONAL_DATA_VIEWS:
        return "personal"
    if route.key in NO_PERSONAL_DATA_VIEWS or route.key in REFERENCES_ONLY_VIEWS:
        return "none"
    if is_admin(route):
        return "none"  # _ADMIN: walked below like every other page, canaries and all
    return None


def test_every_url_name_is_classified():
    keys = {r.key for r in all_routes()}
    unclassified = sorted(r.key for r in all_routes() if classification(r) is None)
    assert unclassified == [], (
        "Add each view to PERSONAL_DATA_VIEWS or NO_PERSONAL_DATA_VIEWS (with a reason): "
        f"{unclassified}"
    )
    assert PERSONAL_DATA_VIEWS.isdisjoint(NO_PERSONAL_DATA_VIEWS)
    gone = sorted((PERSONAL_DATA_VIEWS | set(NO_PERSONAL_DATA_VIEWS)) - keys)
    assert gone == [], f"Classified views that no longer exist: {gone}"


# --- Canaries ----------------------------------------------------------------------------


@dataclass
class Canary:
    pattern: re.Pattern
    label: str
    personal: bool  # a person's details (True) or a record reference (False)
    records: set[tuple[int, str]] = field(default_factory=set)  # (content type id, pk)


def _word(text: str) -> re.Pattern:
    return re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])")


def plant_canaries() -> list[Canary]:
    """Give every person unique values, and list what would show each person or record."""
    ct_person, ct_referral, ct_case = (
        ContentType.objects.get_for_model(m).pk for m in (Person, Referral, ChannelCase)
    )
    cases_of_referral: dict[int, list[int]] = {}
    for case_pk, referral_pk in ChannelCase.objects.values_list("pk", "referral_id"):
        cases_of_referral.setdefault(referral_pk, []).append(case_pk)
    referrals_of_person: dict[int, list[int]] = {}
    canaries = []
    for referral in Referral.objects.all():
        referrals_of_person.setdefault(referral.person_id, []).append(referral.pk)
        cases = {(ct_case, str(c)) for c in cases_of_referral.get(referral.pk, [])}
        canaries.append(
            Canary(
                _word(referral.reference),
                f"referral {referral.reference}",
                False,
                {(ct_referral, str(referral.pk))} | cases,
            )
        )
    for case in ChannelCase.objects.all():
        canaries.append(
            Canary(
                _word(case.reference), f"case {case.reference}", False, {(ct_case, str(case.pk))}
            )
        )
    for person in Person.objects.all():
        dob = date(1971, 1, 1) + timedelta(days=person.pk)
        Person.objects.filter(pk=person.pk).update(
            given_name=f"Canarygiven{person.pk}",
            family_name=f"Canaryfamily{person.pk}",
            date_of_birth=dob,
            postcode=f"CN{person.pk} 1AA",
            address=f"{person.pk} Canary Row",
        )
        refs = referrals_of_person.get(person.pk, [])
        family = {(ct_person, str(person.pk))}
        family |= {(ct_referral, str(r)) for r in refs}
        family |= {(ct_case, str(c)) for r in refs for c in cases_of_referral.get(r, [])}
        for value in (
            f"Canarygiven{person.pk}",
            f"Canaryfamily{person.pk}",
            f"CN{person.pk} 1AA",
            f"{person.pk} Canary Row",
            f"{dob.day} {dob:%B %Y}",
            f"{dob:%d/%m/%Y}",
        ):
            canaries.append(Canary(_word(value), f"person {person.pk}: {value}", True, family))
    return canaries


def response_text(response) -> str:
    """What a person would read in the response, whatever its format."""
    body = (
        b"".join(response.streaming_content)
        if getattr(response, "streaming", False)
        else response.content
    )
    content_type = response.get("Content-Type", "")
    if content_type.startswith("application/pdf"):
        with tempfile.NamedTemporaryFile(suffix=".pdf") as pdf:
            pdf.write(body)
            pdf.flush()
            text = subprocess.run(["pdftotext", pdf.name, "-"], capture_output=True, text=True)
        if text.returncode == 0:
            return text.stdout
        # Not a PDF that pdftotext reads (a test stand-in): search its bytes as they are.
    if "spreadsheetml" in content_type:
        from openpyxl import load_workbook

        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    return body.decode("utf-8", errors="replace")


# --- The walk ----------------------------------------------------------------------------


@dataclass
class Data:
    world: World
    refs: dict
    grants: dict
    areas: dict
    scene: Scene
    canaries: list[Canary]


@pytest.fixture(scope="module")
def data(django_db_setup, django_db_blocker):
    """The permission matrix's records, and the records the axe page walk opens, built once;
    then every person gets canary values."""
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        refs, grants = scenario_objects(world)
        areas = {area.PREFIX: area.build(world, refs) for area in AREAS}
        scene = Scene(
            world=world,
            referral=factories.referral(world.council, concern_summary="Fictional concern"),
            new_starter=factories.UserFactory(username="new-starter"),
        )
        referral_share(
            referral=scene.referral,
            to_agency=world.agency_a,
            reason="Agency A is working with the family",
            acting_user=world.coordinator,
        )
        for visit in PAGES.values():
            visit.kwargs(scene)  # builds what the page needs (idempotent)
        yield Data(world, refs, grants, areas, scene, plant_canaries())
        transaction.set_rollback(True)


WALK: dict[str, list] = {}
for _route, _scenario in ROUTE_SCENARIOS:
    WALK.setdefault(_route.key, []).append((_route, _scenario))


@dataclass
class Visit:
    path: str
    persona: str
    shown: list[Canary]
    logged: set[tuple[int, str]]


def _paths(key: str, data: Data):
    """(persona, path): the matrix's scenarios for every persona it lets in, and the page
    walk's own visit (which reaches pages the matrix only sees refused or redirected)."""
    for route, name in WALK.get(key, []):
        path = route.path(_values(route, name, data.refs, data.grants, data.world, data.areas))
        for persona in PERSONAS:
            if 200 in expectation(route, persona, "GET", name):
                for query in ["", *QUERY_VARIANTS.get(key, [])]:
                    yield persona, path + query
    page = PAGES.get(key)
    if page is not None and page.persona in PERSONAS:
        yield page.persona, reverse(key, kwargs=page.kwargs(data.scene))


def visits(client, key: str, data: Data):
    """Open each path as its persona; what each response showed and what it logged."""
    for persona, path in _paths(key, data):
        client.logout()
        user = data.world.persona(persona)
        if user is not None:
            sign_in(client, user)
        before = LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        response = client.get(path)
        if response.status_code != 200:
            continue
        text = response_text(response)
        logged = set(
            LogEntry.objects.filter(pk__gt=before, action=LogEntry.Action.ACCESS).values_list(
                "content_type_id", "object_pk"
            )
        )
        shown = [c for c in data.canaries if c.pattern.search(text)]
        yield Visit(path, persona, shown, logged)


def coverage_problems(key: str, kind: str, seen) -> list[str]:
    """What a walk of one view found wrong (an empty list when nothing)."""
    problems, wrote_entries = [], False
    for visit in seen:
        wrote_entries = wrote_entries or bool(visit.logged)
        for canary in visit.shown:
            if not canary.personal and key in REFERENCES_ONLY_VIEWS:
                continue
            where = f"{visit.persona} {visit.path}: {canary.label}"
            if kind == "none" and canary.personal:
                problems.append(f"shows personal data but is not in PERSONAL_DATA_VIEWS: {where}")
            if not canary.records & visit.logged:
                problems.append(f"shows a record without an access entry: {where}")
    if kind == "personal" and not wrote_entries:
        problems.append("is in PERSONAL_DATA_VIEWS but no visit wrote an access entry")
    return problems


ALL_KEYS = sorted(set(WALK) | set(PAGES))


@pytest.mark.parametrize("key", ALL_KEYS)
def test_page_that_shows_personal_data_logs_access(client, db, data, key):
    route = next((r for r in all_routes() if r.key == key), None)
    kind = classification(route) if route else None
    assert kind is not None, f"{key} is not classified (see test_every_url_name_is_classified)"
    assert coverage_problems(key, kind, visits(client, key, data)) == []


def test_walk_catches_a_detail_page_that_does_not_log(client, db, data, monkeypatch):
    """The walk can fail: with the referral page's logging switched off, it says so."""
    monkeypatch.setattr("referrals.views.referrals.log_access", lambda *a, **k: 0)
    problems = coverage_problems(
        "referrals:detail", "personal", visits(client, "referrals:detail", data)
    )
    assert any("Canaryfamily" in p for p in problems)
    assert any("no visit wrote an access entry" in p for p in problems)
