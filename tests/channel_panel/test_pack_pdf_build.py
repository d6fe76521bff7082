"""The panel pack's PDF is built in the background for its reader (issue 18): asking for it
queues a build and the page says it is being prepared; the worker's sweep builds it; the
reader then gets the password and the encrypted zip, with the access entries written at the
download. Nobody else gets it, and a PDF that no longer shows what its reader may see now
is refused."""

from __future__ import annotations

from datetime import timedelta

import time_machine
from django.test import TestCase
from django.utils import timezone

from channel_panel import services
from channel_panel.models import Invitee, PackBuild
from referrals.models import Referral
from tests import encrypted_downloads
from tests.channel_panel.test_meetings import (  # noqa: F401
    agenda,
    client_for,
    panel,
    url,
)
from tests.channel_panel.test_pack_page import access_entries


def test_asking_for_the_pdf_queues_a_build_the_worker_makes_and_the_reader_downloads(
    world,
    panel,  # noqa: F811
    agenda,  # noqa: F811
):
    new, case, off = agenda
    client = client_for(world.panel_a)
    asked = client.post(url("pack_pdf_prepare", panel.pk))
    assert asked.status_code == 302 and asked.url == url("pack_pdf", panel.pk)
    build = PackBuild.objects.get()
    assert (build.reader, build.meeting, build.status) == (world.panel_a, panel, "queued")
    page = client.get(url("pack_pdf", panel.pk))
    html = page.content.decode()
    assert "is being prepared" in html and page["Refresh"] == "3"
    assert b"download-password" not in page.content and "Orla" not in html
    assert not access_entries(Referral, "channel_panel:pack_pdf").exists()

    assert services.pack_pdf_sweep() == 1
    build.refresh_from_db()
    assert build.status == "done" and bytes(build.pdf).startswith(b"%PDF")
    assert f"referrals.referral:{new.pk}" in build.records
    assert f"referrals.referral:{off.pk}" not in build.records
    password = encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    response = client.get(url("pack_pdf", panel.pk), {"download": "1"})
    assert response["Content-Type"] == "application/zip"
    (pdf,) = encrypted_downloads.unlock(response.content, password).values()
    assert pdf.startswith(b"%PDF")
    logged = access_entries(Referral, "channel_panel:pack_pdf").filter(actor=world.panel_a)
    assert sorted(logged.values_list("object_id", flat=True)) == sorted([new.pk, case.referral_id])
    build.refresh_from_db()
    assert bytes(build.pdf) == b"" and build.downloaded_at is not None  # kept nowhere


def test_asking_twice_builds_once(world, panel, agenda):  # noqa: F811
    client = client_for(world.panel_a)
    client.post(url("pack_pdf_prepare", panel.pk))
    client.post(url("pack_pdf_prepare", panel.pk))
    assert PackBuild.objects.count() == 1
    assert services.pack_pdf_sweep() == 1
    assert services.pack_pdf_sweep() == 0


def test_with_tasks_inline_the_pdf_is_ready_at_once(world, panel, agenda, settings):  # noqa: F811
    """The demo: no worker; the request builds the PDF once its transaction commits."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    client = client_for(world.panel_a)
    with TestCase.captureOnCommitCallbacks(execute=True):
        client.post(url("pack_pdf_prepare", panel.pk))
    assert PackBuild.objects.get().status == "done"
    encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))


def test_a_pdf_is_its_readers_alone(world, panel, agenda):  # noqa: F811
    """The chair may open the pack too, but never gets the panel member's PDF."""
    encrypted_downloads.pack_pdf_prepared(client_for(world.panel_a), panel.pk)
    chair = client_for(world.chair)
    page = chair.get(url("pack_pdf", panel.pk))
    assert b"download-password" not in page.content
    assert "Prepare the PDF of the pack" in page.content.decode()
    assert chair.get(url("pack_pdf", panel.pk), {"download": "1"})["Content-Type"].startswith(
        "text/html"
    )
    assert PackBuild.objects.get().downloaded_at is None


def test_someone_outside_the_meeting_can_neither_ask_for_nor_fetch_the_pdf(world, panel, agenda):  # noqa: F811
    encrypted_downloads.pack_pdf_prepared(client_for(world.panel_a), panel.pk)
    outsider = client_for(world.spoc_b)
    assert outsider.post(url("pack_pdf_prepare", panel.pk)).status_code == 403
    assert outsider.get(url("pack_pdf", panel.pk), {"download": "1"}).status_code == 403
    assert PackBuild.objects.count() == 1


def test_a_reader_no_longer_invited_is_refused_the_pdf_already_built(world, panel, agenda):  # noqa: F811
    client = client_for(world.panel_a)
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    Invitee.objects.filter(meeting=panel, user=world.panel_a).delete()
    assert client.get(url("pack_pdf", panel.pk), {"download": "1"}).status_code == 403
    assert not access_entries(Referral, "channel_panel:pack_pdf").exists()


def test_a_pdf_that_no_longer_shows_what_the_reader_may_see_is_not_handed_over(
    world,
    panel,  # noqa: F811
    agenda,  # noqa: F811
):
    """An item added after the PDF was made (or pack access closed, or ownership returned:
    ADR 0005) changes what the reader may see: the PDF is out of date and stays here."""
    new, case, off = agenda
    client = client_for(world.panel_a)
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    encrypted_downloads.password_shown(client.get(url("pack_pdf", panel.pk)))
    services.agenda_item_add(meeting=panel, referral=off, acting_user=world.coordinator)
    response = client.get(url("pack_pdf", panel.pk), {"download": "1"})
    assert response["Content-Type"].startswith("text/html")
    assert "The pack has changed since your PDF was made" in response.content.decode()
    assert not access_entries(Referral, "channel_panel:pack_pdf").exists()
    # Prepared again, it shows the new item.
    encrypted_downloads.pack_pdf_prepared(client, panel.pk)
    assert f"referrals.referral:{off.pk}" in PackBuild.objects.first().records


def test_a_pdf_not_downloaded_within_the_hour_is_emptied_by_the_sweep(world, panel, agenda):  # noqa: F811
    encrypted_downloads.pack_pdf_prepared(client_for(world.panel_a), panel.pk)
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        services.pack_pdf_sweep()
        page = client_for(world.panel_a).get(url("pack_pdf", panel.pk)).content.decode()
    assert "Prepare the PDF of the pack" in page
    assert bytes(PackBuild.objects.get().pdf) == b""
