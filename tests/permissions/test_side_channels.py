"""Side channels: nothing of agency B's records reaches a user of agency A through lists,
counts, exports, PDFs, the chronology, JSON endpoints or e-mails.

Each test puts canary values (a person's name, a concern, the reference) on agency B's
record and looks for them in what a user of agency A gets back.
"""

import re
import shutil
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from channel_panel import services as panel_services
from prevent_portal.outbox.models import Notification
from referrals.services import (
    information_request_answer,
    information_request_create,
    referral_share,
)
from tests import encrypted_downloads, factories
from tests.conftest import sign_in

pytestmark = pytest.mark.django_db

CANARY_GIVEN, CANARY_FAMILY = "Zebedee", "Canaryvale"
CANARY_CONCERN = "CANARY-CONCERN-7f3a"
AGENCY_A_USERS = ["spoc_a", "panel_a", "referrer_a", "chair", "manager", "sysadmin", "no_role"]


def canary_person():
    return factories.PersonFactory(given_name=CANARY_GIVEN, family_name=CANARY_FAMILY)


def canary_referral(world, **kwargs):
    return factories.referral(
        world.agency_b,
        referrer=world.referrer_b,
        person=canary_person(),
        concern_summary=CANARY_CONCERN,
        **kwargs,
    )


def leaks(text: str, *extra: str) -> list[str]:
    return [c for c in (CANARY_GIVEN, CANARY_FAMILY, CANARY_CONCERN, *extra) if c and c in text]


def get(client, user, path):
    client.logout()
    sign_in(client, user)
    return client.get(path)


def test_lists_and_the_home_page_show_no_other_agency_referral(client, world):
    own = factories.referral(world.agency_a, referrer=world.referrer_a)
    other = canary_referral(world)
    pages = ["/", reverse("referrals:list"), reverse("referrals:mine")]
    for persona in AGENCY_A_USERS:
        for path in pages:
            response = get(client, world.persona(persona), path)
            if response.status_code != 200:
                assert response.status_code == 403, (persona, path)
                continue
            body = response.content.decode()
            assert leaks(body, other.reference) == [], (persona, path)
    # The list counts only what agency A sees: its own referral, not B's.
    body = get(client, world.spoc_a, reverse("referrals:list")).content.decode()
    assert own.reference in body
    assert len(re.findall(r"PR-\d{4}-\d{5}", body)) == 1


def test_an_own_referral_of_a_person_known_to_another_agency_reveals_nothing_of_it(client, world):
    """The same person referred by both agencies: agency A's pages on its own referral show
    nothing of agency B's (its reference, its concern)."""
    person = canary_person()
    theirs = factories.referral(world.agency_b, person=person, concern_summary=CANARY_CONCERN)
    mine = factories.referral(world.agency_a, person=person, concern_summary="Own concern")
    response = get(client, world.spoc_a, reverse("referrals:detail", args=[mine.pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert CANARY_CONCERN not in body and theirs.reference not in body


def test_the_channel_case_list_shows_no_other_agency_case(client, world):
    own = factories.channel_case(world.agency_a, world.spoc_a)
    other = factories.channel_case(
        world.agency_b, world.spoc_b, person=canary_person(), concern_summary=CANARY_CONCERN
    )
    for persona in ["spoc_a", "panel_a", "chair"]:
        response = get(client, world.persona(persona), reverse("channel_panel:case_list"))
        assert response.status_code == 200
        body = response.content.decode()
        assert leaks(body, other.reference, other.referral.reference) == [], persona
    assert (
        own.reference
        in get(client, world.spoc_a, reverse("channel_panel:case_list")).content.decode()
    )


def _pdf_text(content: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils is needed (apt-get install poppler-utils)"
    path = tmp_path / "pack.pdf"
    path.write_bytes(content)
    return subprocess.run(
        ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def test_the_panel_pack_page_and_pdf_hold_only_the_agenda(client, world, tmp_path):
    world.agency_a.is_core_panel_member = True
    world.agency_a.save()
    meeting = factories.meeting(world.chair, timezone.localdate() + timedelta(days=2))
    on_agenda = factories.panel_referral(world.agency_b, assessed=True)
    panel_services.agenda_item_add(
        meeting=meeting, referral=on_agenda, acting_user=world.coordinator
    )
    off_agenda = factories.channel_case(
        world.agency_b, world.spoc_b, person=canary_person(), concern_summary=CANARY_CONCERN
    )
    page = get(client, world.panel_a, reverse("channel_panel:pack", args=[meeting.pk]))
    assert page.status_code == 200 and on_agenda.reference in page.content.decode()
    assert leaks(page.content.decode(), off_agenda.reference) == []
    response, pdf = encrypted_downloads.pack_pdf(client, meeting.pk)
    assert response["Content-Type"] == "application/zip"
    text = _pdf_text(pdf, tmp_path)
    assert on_agenda.reference in text
    assert leaks(text, off_agenda.reference) == []


def test_the_compliance_export_of_an_agency_holds_only_its_own_returns(client, world):
    from training import services as training_services
    from training.models import TrainingType

    wrap = TrainingType.objects.get(name="WRAP")
    period = training_services.reporting_period_for_end(end=date(2026, 6, 30), acting_user=None)
    for agency, compliant in ((world.agency_a, 11), (world.agency_b, 77)):
        training_services.compliance_return_submit(
            agency=agency,
            training_type=wrap,
            period=period,
            eligible=100,
            compliant=compliant,
            acting_user=None,
        )
    query = f"?period_from={period.pk}&period_to={period.pk}&format="
    csv = get(client, world.spoc_a, reverse("training:compliance") + query + "csv")
    assert csv.status_code == 200 and csv["Content-Type"].startswith("text/csv")
    text = csv.content.decode()
    assert world.agency_a.name in text and world.agency_b.name not in text
    xlsx = client.get(reverse("training:compliance") + query + "xlsx")
    assert xlsx.status_code == 200
    assert world.agency_b.name.encode() not in _xlsx_text(xlsx.content)


def _xlsx_text(content: bytes) -> bytes:
    """Every XML part of the workbook, unzipped (shared strings hold the cell text)."""
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return b"".join(book.read(name) for name in book.namelist())


def test_figures_pages_and_their_csv_are_refused_to_agency_roles(client, world):
    canary_referral(world)
    for name in ["referrals:statistics", "channel_panel:report"]:
        for persona in ["spoc_a", "panel_a", "referrer_a"]:
            for query in ["", "?format=csv"]:
                response = get(client, world.persona(persona), reverse(name) + query)
                assert response.status_code == 403, (name, persona, query)


def test_the_chronology_of_a_shared_referral_ends_for_the_agency_when_the_share_does(client, world):
    referral = canary_referral(world)
    grant = referral_share(
        referral=referral,
        to_agency=world.agency_a,
        reason="Joint working",
        acting_user=world.coordinator,
    )
    detail = reverse("referrals:detail", args=[referral.pk])
    assert get(client, world.spoc_a, detail).status_code == 200
    type(grant).objects.filter(pk=grant.pk).update(expires_at=timezone.now() - timedelta(1))
    response = get(client, world.spoc_a, detail)
    assert response.status_code == 404
    assert leaks(response.content.decode(), referral.reference) == []


def test_e_mails_carry_a_reference_and_a_link_only_and_go_to_the_right_agency(world):
    referral = canary_referral(world)
    asked = information_request_create(
        referral=referral,
        agency=world.agency_b,
        question=f"Anything known about {CANARY_GIVEN}?",
        due_on=timezone.localdate() + timedelta(days=5),
        acting_user=world.coordinator,
    )
    information_request_answer(
        request=asked, response=f"{CANARY_CONCERN} answer", acting_user=world.spoc_b
    )
    referral_share(
        referral=referral,
        to_agency=world.agency_a,
        reason=f"{CANARY_FAMILY} moved",
        acting_user=world.coordinator,
    )
    sent = list(Notification.objects.all())
    assert {n.kind for n in sent} >= {
        "information_requested",
        "information_answered",
        "referral_shared",
    }
    for note in sent:
        assert leaks(note.subject + note.body) == [], note.kind
    # Agency A hears only of the share to it, never of the request to agency B.
    to_a = {n.kind for n in sent if n.recipient in (world.spoc_a, world.panel_a)}
    assert to_a == {"referral_shared"}


def test_no_json_endpoint_but_the_health_check():
    """Autocomplete or other JSON endpoints are side channels: each needs its own test
    here. The only JSON view is /healthz, which holds no data."""
    root = Path(settings.BASE_DIR)
    users = sorted(
        str(path.relative_to(root))
        for app in ["referrals", "channel_panel", "governance", "training", "prevent_portal"]
        for path in (root / app).rglob("*.py")
        if "JsonResponse" in path.read_text() and "migrations" not in path.parts
    )
    assert users == ["prevent_portal/core/views.py"]


def test_the_navigation_names_no_records(client, world):
    canary_referral(world)
    for persona in ["spoc_a", "panel_a", "chair"]:
        body = get(client, world.persona(persona), "/").content.decode()
        assert leaks(body) == [], persona
