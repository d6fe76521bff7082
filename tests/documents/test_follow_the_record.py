"""Documents follow their record: retention deletes them (rows and files), a legal hold keeps
them, and a subject access export includes them."""

from datetime import date, timedelta
from pathlib import Path

import pytest

from documents.models import Document, document_storage
from prevent_portal.core.concurrency import StaleEdit
from referrals import services as referral_services
from referrals.models import InformationRequest, RetentionReview
from tests import factories
from tests.documents import files
from tests.documents.test_documents import add


def stored() -> list[Path]:
    return [p for p in Path(document_storage().location).rglob("*") if p.is_file()]


@pytest.fixture
def due_review(world):
    """A person past retention, with a document on their referral, on their Channel case and
    on an information request about them (and a meeting's minutes, which are not theirs)."""
    referral = factories.closed_referral(world.agency_a, acting_user=world.coordinator)
    add(referral, world.coordinator)
    case = factories.channel_case(world.agency_a, world.spoc_a, person=referral.person)
    add(case, world.spoc_a)
    asked = InformationRequest.objects.create(
        referral=referral,
        agency=world.agency_b,
        question="Known?",
        due_on=date(2015, 7, 1),
        requested_by=world.coordinator,
    )
    add(asked, world.spoc_b)
    add(factories.meeting(world.chair), world.coordinator)
    case.closed_on = case.exited_on = date(2015, 6, 1)
    case.status = type(case).Status.CLOSED
    case.save()
    referral_services.retention_sweep(today=date(2026, 11, 22), acting_user=None)
    return RetentionReview.objects.get(person=referral.person)


def test_deletion_past_retention_deletes_the_persons_documents_and_their_files(
    world, due_review, django_capture_on_commit_callbacks
):
    assert len(stored()) == 4
    with django_capture_on_commit_callbacks(execute=True):
        review = referral_services.retention_delete(
            review=due_review, acting_user=world.coordinator
        )
    assert review._certificate["counts"]["documents deleted"] == 3
    assert review._certificate["counts"]["document files"] == 3
    assert Document.objects.count() == Document.objects.filter(meeting__isnull=False).count() == 1
    assert len(stored()) == 1  # the meeting's minutes


def test_a_legal_hold_keeps_the_documents(world, due_review):
    referral_services.retention_hold(
        review=due_review,
        reason="Fictional litigation",
        review_on=date(2027, 1, 1),
        expected_version=due_review.version,
        acting_user=world.coordinator,
    )
    due_review.refresh_from_db()
    with pytest.raises(StaleEdit):
        referral_services.retention_delete(
            review=due_review, acting_user=world.coordinator, expected_version=due_review.version
        )
    assert Document.objects.count() == 4 and len(stored()) == 4


def test_a_subject_access_export_includes_the_documents_files(world, settings, tmp_path):
    from governance import services as governance
    from governance.models import SubjectAccessExport
    from tests.governance.test_subject_access import unzip

    settings.MEDIA_ROOT = str(tmp_path / "media")
    referral = factories.referral(world.agency_a)
    document = add(referral, world.coordinator, name="Consent form.pdf", title="Signed consent")
    add(factories.referral(world.agency_a), world.coordinator, title="Someone else's")
    export = governance.subject_access_request(
        person=referral.person,
        received_on=date.today() - timedelta(days=1),
        request_reference="SAR-1",
        acting_user=world.coordinator,
    )
    assert governance.subject_access_sweep() == 1
    export.refresh_from_db()
    assert export.status == SubjectAccessExport.Status.DONE, export.error
    with export.archive.open("rb") as handle:
        contents = unzip(handle.read())
    name = f"documents/{document.pk}-Consent_form.pdf"
    assert contents[name] == files.PDF
    assert len([n for n in contents if n.startswith("documents/")]) == 1
    html = contents[f"subject-access-export-{export.pk}.html"].decode()
    assert "Signed consent" in html and name in html and "Someone else" not in html
    assert export.contents["Attachments"] == 1
