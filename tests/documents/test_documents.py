"""Uploading, listing, downloading and deleting documents, and who sees them."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from documents import services
from documents.models import Document, document_storage
from prevent_portal.accounts.grants import object_share
from tests import factories
from tests.conftest import sign_in
from tests.documents import files


def add(record, user, name="form.pdf", content=files.PDF, title="Referral form"):
    return services.document_upload(
        record=record,
        upload=files.upload(name, content),
        title=title,
        reason="Sent by the school",
        acting_user=user,
    )


def stored_files() -> list[Path]:
    return [p for p in Path(document_storage().location).rglob("*") if p.is_file()]


@pytest.fixture
def referral(world):
    return factories.referral(world.agency_a)


def test_coordinator_uploads_a_document_and_it_is_listed_on_the_referral(client, world, referral):
    sign_in(client, world.coordinator)
    url = reverse("documents:referral_upload", args=[referral.pk])
    page = client.get(url)
    assert "Files are not virus-scanned in this demo" in page.content.decode()
    response = client.post(
        url,
        {"title": "Signed consent", "reason": "From the parent", "file": files.upload()},
    )
    assert response.status_code == 302
    document = Document.objects.get()
    assert (document.status, document.kind, document.size) == ("clean", "pdf", len(files.PDF))
    assert document.storage_name and "form" not in document.storage_name
    detail = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "Signed consent" in detail
    assert reverse("documents:download", args=[document.pk]) in detail


def test_a_bad_file_is_refused_with_a_govuk_error_and_nothing_is_kept(client, world, referral):
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("documents:referral_upload", args=[referral.pk]),
        {"title": "Page", "reason": "x", "file": files.upload("page.pdf", files.HTML)},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "govuk-error-summary" in body and "The file must be one of: PDF" in body
    assert stored_files() == []
    assert Document.objects.get().status == Document.Status.WRONG_TYPE
    assert not Document.objects.visible_to(world.coordinator).exists()


def test_a_file_too_large_is_refused(client, world, referral, settings):
    settings.DOCUMENT_MAX_MB = 1
    sign_in(client, world.coordinator)
    response = client.post(
        reverse("documents:referral_upload", args=[referral.pk]),
        {"title": "Big", "reason": "x", "file": files.upload("big.pdf", files.PDF * 20000)},
    )
    assert "The file must be smaller than 1 MB" in response.content.decode()


def test_the_download_is_an_attachment_with_a_safe_name_nosniff_and_no_store(
    client, world, referral
):
    # (A "/" would not survive: Django keeps only the part after the last one.)
    document = add(referral, world.coordinator, name='<b>Dr "Ö"<b> notes.pdf')
    sign_in(client, world.spoc_a)
    response = client.get(reverse("documents:download", args=[document.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="b_Dr_O_b_notes.pdf"')
    assert "filename*=UTF-8''%3Cb%3EDr%20%22%C3%96%22%3Cb%3E%20notes.pdf" in disposition
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]
    assert response["Content-Type"] == "application/pdf"
    logged = LogEntry.objects.filter(action=LogEntry.Action.ACCESS, actor=world.spoc_a)
    assert {(e.object_repr, e.additional_data["view"]) for e in logged} >= {
        (f"Document {document.pk}", "documents:download")
    }


def test_a_file_name_and_title_are_never_rendered_as_html(client, world, referral):
    add(referral, world.coordinator, name="<img src=x onerror=alert(1)>.pdf", title="<i>T</i>")
    sign_in(client, world.coordinator)
    body = client.get(reverse("referrals:detail", args=[referral.pk])).content.decode()
    assert "<img src=x" not in body and "<i>T</i>" not in body
    assert "&lt;img src=x onerror=alert(1)&gt;.pdf" in body and "&lt;i&gt;T&lt;/i&gt;" in body


@pytest.mark.parametrize("persona", ["spoc_b", "referrer_a", "manager", "sysadmin"])
def test_those_who_do_not_see_the_record_get_404_for_its_document(client, world, referral, persona):
    document = add(referral, world.coordinator)
    sign_in(client, getattr(world, persona))
    assert client.get(reverse("documents:download", args=[document.pk])).status_code == 404


def test_a_share_gives_the_same_sight_of_the_documents_and_its_end_takes_it(client, world):
    referral = factories.referral(world.agency_b)
    document = add(referral, world.coordinator)
    url = reverse("documents:download", args=[document.pk])
    sign_in(client, world.spoc_a)
    assert client.get(url).status_code == 404
    grant = object_share(
        obj=referral, to_agency=world.agency_a, reason="joint work", acting_user=world.coordinator
    )
    assert client.get(url).status_code == 200
    grant.delete()
    assert client.get(url).status_code == 404


def test_case_meeting_and_information_request_documents_follow_their_record(client, world):
    from datetime import timedelta

    from django.utils import timezone

    from referrals.models import InformationRequest

    case = factories.channel_case(world.agency_a, world.spoc_a)
    meeting = factories.meeting(world.chair)
    asked = InformationRequest.objects.create(
        referral=factories.referral(world.agency_a),
        agency=world.agency_b,
        question="Do you know this person?",
        due_on=timezone.localdate() + timedelta(days=7),
        requested_by=world.coordinator,
    )
    on_case = add(case, world.spoc_a)
    minutes = add(meeting, world.coordinator)
    answer = add(asked, world.spoc_b)
    assert set(Document.objects.visible_to(world.spoc_a)) == {on_case, answer}
    # A meeting's papers: its chair and the Coordinator; a panel member only as an invitee
    # while the pack is open (panel_a's agency is not a core member here: not invited).
    assert set(Document.objects.visible_to(world.panel_a)) == {on_case, answer}
    assert minutes in Document.objects.visible_to(world.coordinator)
    assert set(Document.objects.visible_to(world.spoc_b)) == {answer}
    assert set(Document.objects.visible_to(world.chair)) == {minutes}
    assert set(Document.objects.visible_to(world.referrer_a)) == set()
    sign_in(client, world.spoc_b)
    page = client.get(reverse("referrals:information_request_answer", args=[asked.pk]))
    assert reverse("documents:download", args=[answer.pk]) in page.content.decode()


def test_only_the_coordinator_deletes_a_document_with_a_reason_and_the_file_goes(
    client, world, referral, django_capture_on_commit_callbacks
):
    document = add(referral, world.coordinator)
    url = reverse("documents:delete", args=[document.pk])
    sign_in(client, world.spoc_a)
    assert client.post(url, {"reason": "Wrong person"}).status_code == 403
    sign_in(client, world.coordinator)
    assert "Enter why you are deleting" in client.post(url, {}).content.decode()
    assert len(stored_files()) == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"reason": "Wrong person"}).status_code == 302
    document.refresh_from_db()
    assert (document.status, document.deleted_by) == ("deleted", world.coordinator)
    assert stored_files() == []
    download = reverse("documents:download", args=[document.pk])
    assert client.get(download).status_code == 404


def test_no_url_serves_the_storage_itself(client, world, referral):
    document = add(referral, world.coordinator)
    sign_in(client, world.coordinator)
    for prefix in ["/media/", "/media/documents/", "/static/", "/"]:
        assert client.get(prefix + document.storage_name).status_code == 404


def test_a_meetings_papers_are_seen_by_its_chair_and_its_invitees_while_the_pack_is_open(
    client, world
):
    """Review 4: every panel member could download every meeting's minutes, whatever cases
    they discussed. Now as the pack: the Coordinator, the meeting's chair, and invitees
    during the pack window; 404 for the rest."""
    from datetime import timedelta

    from django.utils import timezone

    from channel_panel import services as panel

    today = timezone.localdate()
    meeting = factories.meeting(world.chair, today + timedelta(days=2))
    papers = add(meeting, world.coordinator, title="Minutes")
    url = reverse("documents:download", args=[papers.pk])
    for persona, status in (("panel_a", 404), ("chair", 200), ("coordinator", 200)):
        sign_in(client, getattr(world, persona))
        assert client.get(url).status_code == status, persona
    panel.invitee_add(
        meeting=meeting, user=world.panel_a, agency=world.agency_a, acting_user=world.coordinator
    )
    sign_in(client, world.panel_a)
    assert client.get(url).status_code == 200  # invited, pack open
    meeting.meets_on = today + timedelta(days=60)  # pack not open yet
    meeting.save(update_fields=["meets_on"])
    assert client.get(url).status_code == 404


def test_the_case_page_offers_to_add_a_document_to_those_who_may_change_the_case(client, world):
    """The link shows to those the upload view lets in ("change" on the case), and the case
    page asks the access module that once: its documents section takes the page's answer
    instead of reading the case's grants a second time."""
    from django.db import connection

    case = factories.channel_case(world.agency_a, world.spoc_a)
    object_share(
        obj=case, to_agency=world.agency_b, reason="joint work", acting_user=world.coordinator
    )
    upload = reverse("documents:case_upload", args=[case.pk])
    statements: list[str] = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    sign_in(client, world.spoc_a)
    with connection.execute_wrapper(record):
        html = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert upload in html
    assert client.get(upload).status_code == 200
    # actions_for reads the user's grants on the case in a statement of its own.
    grants_read = [
        sql
        for sql in statements
        if sql.startswith('SELECT "auth_permission"."codename"') and "caseusergrant" in sql
    ]
    assert len(grants_read) == 1
    sign_in(client, world.spoc_b)
    html = client.get(f"/panel/cases/{case.pk}/").content.decode()
    assert case.reference in html
    assert upload not in html
    assert client.get(upload).status_code == 403
