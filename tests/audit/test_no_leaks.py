"""No leaks into logs: canary values put in every sensitive field, through the intake forms
and the services, never appear in the audit log's diffs or ``object_repr``, in what the
application logs (DEBUG level, a 500 included), or in the 404 and 500 pages."""

import io
import logging
from datetime import date

import pytest
from auditlog.models import LogEntry
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from channel_panel import services as panel
from channel_panel.models import ExitReason, SupportType
from prevent_portal.audit.context import acting_as
from referrals import services as referral_services
from referrals.models import ConcernType, NeedsFlag, Referral
from tests import factories
from tests.conftest import sign_in

CANARY = "CANARY-7f3a"
DOB = date(1913, 2, 17)
POSTCODE = "ZZ7 3FA"
# Every way the canaries could be written out.
SECRETS = [CANARY, "1913-02-17", "17/02/1913", "17 February 1913", POSTCODE, "ZZ73FA"]
LOGGERS = ["", "django", "django.request", "prevent_portal", "referrals", "channel_panel",
           "governance", "training", "auditlog", "celery"]  # fmt: skip


def canary(field):
    return f"{CANARY}-{field}"


def leaks(text):
    return [secret for secret in SECRETS if secret.lower() in (text or "").lower()]


@pytest.fixture
def log_output(caplog):
    """Everything the configured handlers write, with every logger at DEBUG."""
    buffer = io.StringIO()
    handlers = [h for h in logging.getLogger().handlers if isinstance(h, logging.StreamHandler)]
    handlers = [h for h in handlers if h.__class__ is logging.StreamHandler]
    assert handlers, "the console handler of settings.LOGGING"
    old_streams = [h.setStream(buffer) for h in handlers]
    for name in LOGGERS:
        caplog.set_level(logging.DEBUG, logger=name)
    yield buffer, caplog
    for handler, stream in zip(handlers, old_streams, strict=True):
        handler.setStream(stream)


def intake_with_canaries(client):
    """A referral submitted through the intake pages with a canary in every answer."""
    concern = ConcernType.objects.create(code="canary-concern", name=canary("concern-type"))
    flag = NeedsFlag.objects.create(code="canary-flag", name=canary("mental-health-flag"))
    pages = [
        ("intake_name", {"given_name": canary("given"), "family_name": canary("family")}),
        (
            "intake_date_of_birth",
            {"date_of_birth_day": "17", "date_of_birth_month": "2", "date_of_birth_year": "1913"},
        ),
        ("intake_gender", {"gender": "other"}),
        ("intake_address", {"address": canary("address"), "postcode": POSTCODE}),
        ("intake_school", {"school_or_employer": canary("school")}),
        ("intake_aliases", {"aliases": f"{canary('alias-given')} {canary('alias-family')}"}),
        ("intake_concern", {"concern_summary": canary("concern-narrative")}),
        ("intake_concern_types", {"concern_types": [str(concern.pk)]}),
        ("intake_needs", {"needs_flags": [str(flag.pk)]}),
        ("intake_awareness", {"person_awareness": "aware"}),
    ]
    for name, data in pages:
        response = client.post(reverse(f"referrals:{name}"), data)
        assert response.status_code == 302, (name, response.content.decode()[:1000])
    assert client.post(reverse("referrals:intake_check")).status_code == 302
    referral = Referral.objects.get(concern_summary=canary("concern-narrative"))
    assert referral.person.date_of_birth == DOB and referral.person.postcode == POSTCODE
    assert list(referral.needs_flags.all()) == [flag]
    return referral


def channel_case_with_canaries(world, referral):
    """The referral adopted as a Channel case; consent, support plan, notes and exit carry
    canaries, all through the services."""
    from channel_panel.services import case_adopt
    from referrals.models import Outcome

    referral = referral_services.referral_gateway_record(
        referral=referral,
        gateway_outcome="cleared",
        checked_on=referral.received_on,
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    passed = referral_services.referral_outcome_record(
        referral=referral,
        outcome=Outcome.objects.get(code=Outcome.PASSED_TO_PANEL),
        reason=canary("outcome-reason"),
        expected_version=referral.version,
        acting_user=world.coordinator,
    )
    # The panel adopts with a current vulnerability assessment, whose free text must not
    # leak either (issue 17).
    factories.assessment(
        passed,
        present=["grievance-injustice"],
        evidence={"grievance-injustice": canary("vaf-evidence")},
        summary=canary("vaf-summary"),
        management_plan=canary("vaf-plan"),
    )
    case = case_adopt(
        referral=passed,
        lead_agency=world.agency_a,
        case_manager=world.spoc_a,
        adopted_on=timezone.localdate(),
        acting_user=world.coordinator,
    )
    user = world.spoc_a
    panel.consent_record(
        case=case,
        given_by="parent",
        given_on=timezone.localdate(),
        giver_name=canary("consent-giver"),
        capacity_notes=canary("consent-notes"),
        acting_user=user,
    )
    panel.support_action_add(
        case=case,
        support_type=SupportType.objects.order_by("pk").first(),
        description=canary("support-plan"),
        owner_agency=world.agency_a,
        acting_user=user,
    )
    panel.case_note_add(case=case, text=canary("case-note"), acting_user=user)
    case.refresh_from_db()
    panel.case_exit_agree(
        case=case,
        agreed_on=case.adopted_on,
        reason=canary("exit-agreement"),
        acting_user=world.chair,
    )
    panel.case_exit(
        case=case,
        reason=ExitReason.objects.order_by("pk").first(),
        notes=canary("exit-notes"),
        exited_on=timezone.localdate(),
        expected_version=case.version,
        acting_user=user,
    )
    return case


def test_canaries_never_reach_the_audit_log_the_logs_or_error_pages(
    client, world, log_output, settings, monkeypatch
):
    buffer, caplog = log_output
    settings.DEBUG = False
    settings.ADMINS = [("Operations", "ops@example.org")]

    # Through the forms: intake as the referrer, then the Coordinator reads and adds a note.
    sign_in(client, world.referrer_a)
    referral = intake_with_canaries(client)
    sign_in(client, world.coordinator)
    page = client.get(reverse("referrals:detail", args=[referral.pk]))
    assert canary("given") in page.content.decode()  # the page may show it; logs may not
    note = client.post(
        reverse("referrals:chronology_note", args=[referral.pk]), {"text": canary("note")}
    )
    assert note.status_code == 302
    # Through the services: the Channel case, a triage note and the person's ethnicity.
    with acting_as(world.coordinator):
        person = referral.person
        person.ethnicity = canary("ethnicity")
        person.save()
    referral_services.referral_note_add(
        referral=referral, text=canary("triage-note"), acting_user=world.coordinator
    )
    case = channel_case_with_canaries(world, referral)

    # A 404 asked for with a canary in its query string, and a 500 whose exception quotes
    # one. (Django logs a 404's path; this app's paths carry ids, searches use the query.)
    missing = client.get(f"/referrals/999999/?q={canary('search')}")
    assert missing.status_code == 404

    def broken_note_add(*, referral, text, acting_user):
        raise RuntimeError(f"a bug that quotes its input: {text!r}")

    monkeypatch.setattr(referral_services, "referral_note_add", broken_note_add)
    crashing = Client(raise_request_exception=False)
    sign_in(crashing, world.coordinator)
    error = crashing.post(
        reverse("referrals:chronology_note", args=[referral.pk]), {"text": canary("crash")}
    )
    assert error.status_code == 500

    # The audit log recorded all of it, masked.
    entries = LogEntry.objects.all()
    assert entries.filter(action=LogEntry.Action.ACCESS).exists()
    assert entries.filter(object_repr=str(case)).exists()
    masked = entries.filter(changes__icontains="[redacted]").count()
    assert masked >= 10
    for entry in entries:
        text = " ".join(
            [str(entry.changes), entry.changes_text, entry.object_repr, str(entry.additional_data)]
        )
        assert not leaks(text), (entry.content_type.model, entry.action, leaks(text), text)

    # The logs: messages and the configured handlers' output, 500 traceback included.
    records = caplog.records
    assert any(r.name == "django.request" and r.levelno == logging.ERROR for r in records)
    assert any(r.levelno == logging.DEBUG for r in records)
    for record in records:
        assert not leaks(record.getMessage()), (record.name, record.getMessage())
    written = buffer.getvalue()
    assert "Internal Server Error" in written and "RuntimeError" in written
    assert not leaks(written), written[-3000:]
    assert not [m for m in mail.outbox if "ops@example.org" in m.to]

    # The error pages, a 404 for a path carrying a canary too.
    path_404 = client.get(f"/referrals/{canary('path')}/")
    assert path_404.status_code == 404
    for response in (missing, error, path_404):
        assert not leaks(response.content.decode())


def test_many_to_many_health_and_belief_fields_are_redacted_in_the_audit_log(world):
    flag = NeedsFlag.objects.create(code="canary-flag", name=canary("mental-health-flag"))
    concern = ConcernType.objects.create(code="canary-concern", name=canary("concern-type"))
    with acting_as(world.coordinator):
        referral = factories.referral(world.agency_a)
        referral.needs_flags.add(flag)
        referral.concern_types.add(concern)
        referral.needs_flags.remove(flag)
    m2m = [
        e.changes
        for e in LogEntry.objects.get_for_object(referral)
        if any(isinstance(c, dict) and c.get("type") == "m2m" for c in e.changes.values())
    ]
    assert {"needs_flags": {"type": "m2m", "operation": "add", "objects": ["[redacted]"]}} in m2m
    assert {"needs_flags": {"type": "m2m", "operation": "delete", "objects": ["[redacted]"]}} in m2m
    assert any(c.get("concern_types", {}).get("objects") == ["[redacted]"] for c in m2m)
    assert not leaks(str(m2m))


def test_web_access_log_leaves_out_query_strings_and_referrers():
    """gunicorn's default access line has the query string (a person search's name, date of
    birth, postcode) and the referrer (the page before, with its query): both left out."""
    import json
    import re
    from pathlib import Path

    import yaml

    root = Path(__file__).resolve().parents[2]
    compose = yaml.safe_load((root / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["command"]
    cmd = re.search(r"^CMD (\[.*?\])$", (root / "Dockerfile").read_text(), re.M | re.S)
    image = json.loads(cmd.group(1).replace("\\\n", ""))
    for command in (web, image):
        text = " ".join(command)
        formats = [a.split("=", 1)[1] for a in command if a.startswith("--access-logformat=")]
        if "--access-logformat" in command:
            formats.append(command[command.index("--access-logformat") + 1])
        assert "--access-logfile" in text and len(formats) == 1, text
        assert "%(U)s" in formats[0]
        for atom in ("%(r)s", "%(q)s", "%(f)s", "%(a)s"):
            assert atom not in formats[0]
