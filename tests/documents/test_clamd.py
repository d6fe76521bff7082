"""Real virus scanning: clamd, started with the repository's test signatures
(scripts/clamav/start-test-clamd.sh), refuses the EICAR test file. .ci/run starts it; these
tests fail there if it is missing."""

import io
from pathlib import Path

import pytest
from auditlog.models import LogEntry

from documents import scanning, services
from documents.models import Document, document_storage
from tests import factories
from tests.documents import files


def test_clamd_finds_the_eicar_test_file_and_passes_a_clean_one(clamd):
    assert scanning.scan(io.BytesIO(files.EICAR)) == scanning.Verdict(
        clean=False, signature="Eicar-Test-Signature.UNOFFICIAL"
    )
    assert scanning.scan(io.BytesIO(files.PDF)).clean


def test_an_infected_upload_is_refused_recorded_and_its_bytes_removed(clamd, world):
    referral = factories.referral(world.agency_a)
    with pytest.raises(services.DocumentInfected, match="contains a virus and was not uploaded"):
        services.document_upload(
            record=referral,
            upload=files.upload("form.pdf", files.EICAR),
            title="Referral form",
            reason="Sent by the school",
            acting_user=world.spoc_a,
        )
    refused = Document.objects.get()
    assert refused.status == Document.Status.INFECTED
    assert refused.signature.startswith("Eicar-Test-Signature")
    assert (refused.referral, refused.uploaded_by) == (referral, world.spoc_a)
    assert refused.storage_name == ""
    assert [p for p in Path(document_storage().location).rglob("*") if p.is_file()] == []
    entry = LogEntry.objects.get_for_object(refused).order_by("-pk").first()
    assert entry.changes_dict["status"] == ["quarantined", "infected"]
    assert "Eicar-Test-Signature" in entry.changes_dict["signature"][1]
    assert not Document.objects.visible_to(world.coordinator).exists()


def test_a_clean_upload_leaves_quarantine_only_after_clamd_says_so(clamd, world):
    referral = factories.referral(world.agency_a)
    document = services.document_upload(
        record=referral,
        upload=files.upload(),
        title="Referral form",
        reason="Sent by the school",
        acting_user=world.spoc_a,
    )
    entries = LogEntry.objects.get_for_object(document).order_by("pk")
    assert [e.changes_dict.get("status") for e in entries] == [
        [None, "quarantined"],
        ["quarantined", "clean"],
    ]
    assert document_storage().open(document.storage_name).read() == files.PDF
