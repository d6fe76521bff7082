"""Redis, the Celery broker, is down: a real redis-server started by the test and stopped, with
the application's broker URL pointing at it. Every page and the representative forms answer,
each within 3 s; notifications wait in the outbox; when Redis is back a real worker sends
each of them once.
"""

from __future__ import annotations

import time
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from kombu.exceptions import OperationalError

from prevent_portal.celery import app as celery_app
from prevent_portal.outbox.models import Notification
from prevent_portal.outbox.services import message_id
from referrals.models import Outcome, Referral
from tests import factories
from tests.browser.test_pages import ONE_TIME_LINK_PERSONAS, PAGES, WALK_ORDER, one_time_link
from tests.conftest import sign_in
from tests.governance.test_board_report import FROM
from tests.referrals.test_intake import fill_in
from tests.reliability.outbox_worker import delivered, run_sweep, start_worker
from tests.reliability.outbox_worker import sweep_until_all_sent as all_sent_by_worker
from tests.training.helpers import quarter
from tests.training.test_returns_pages import _new as training_return

pytestmark = pytest.mark.redis
LIMIT_SECONDS = 3.0
PDF_LIMIT_SECONDS = 30.0


@pytest.fixture
def broker_down(redis_server, settings):
    """The application configured for a Redis that was running and has stopped."""
    redis_server.stop()
    old = celery_app.conf.broker_url
    settings.CELERY_BROKER_URL = celery_app.conf.broker_url = redis_server.url
    try:
        yield redis_server
    finally:
        celery_app.conf.broker_url = old


class Timed:
    def __init__(self, client):
        self.client = client
        self.times: dict[str, float] = {}

    def __call__(self, label: str, method: str, url: str, data=None):
        started = time.monotonic()
        response = (
            getattr(self.client, method)(url, data)
            if data is not None
            else (getattr(self.client, method)(url))
        )
        self.times[label] = time.monotonic() - started
        return response

    def as_(self, user, *, second_factor: bool = True):
        self.client.logout()
        if user is None:
            return self
        if second_factor:
            sign_in(self.client, user)
        else:  # password given, security code not yet
            self.client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        return self


def open_every_page(timed: Timed, scene) -> None:
    for name, visit in ((name, PAGES[name]) for name in WALK_ORDER):
        if visit.persona == "password_given":
            timed.as_(scene.world.spoc_a, second_factor=False)
        elif visit.persona == "new_starter":
            timed.as_(scene.new_starter, second_factor=False)
        elif visit.persona in ONE_TIME_LINK_PERSONAS:
            timed.as_(None)
            timed.client.get(one_time_link(visit.persona, scene))
        else:
            timed.as_(scene.world.persona(visit.persona))
        response = timed(f"GET {name}", "get", reverse(name, kwargs=visit.kwargs(scene)))
        assert response.status_code == 200, f"{name} answered {response.status_code}"


def post_the_forms(timed: Timed, world) -> None:
    """Share a referral, submit a referral, record a triage decision, enter a training
    return, ask for a board report: each changes data and most queue notifications."""
    timed.as_(world.coordinator)
    shared = factories.referral(world.agency_b)
    response = timed(
        "POST referrals:share",
        "post",
        reverse("referrals:share", args=[shared.pk]),
        {"share_with": "user", "username": world.spoc_a.username, "reason": "case conference"},
    )
    assert response.status_code == 302

    decided = factories.referral(world.council)
    outcome = Outcome.objects.get(code=Outcome.NO_FURTHER_ACTION)
    response = timed(
        "POST referrals:triage_outcome",
        "post",
        reverse("referrals:triage_outcome", args=[decided.pk]),
        {"outcome": outcome.pk, "reason": "No concern found", "version": decided.version},
    )
    assert response.status_code == 302
    decided.refresh_from_db()
    assert decided.outcome == outcome

    board = factories.board(world.coordinator, name="Community Safety Partnership")
    response = timed(
        "POST governance:report_add",
        "post",
        reverse("governance:report_add"),
        {"board": board.pk, "year": str(FROM.year)},
    )
    assert response.status_code == 302

    timed.as_(world.referrer_a)
    started = time.monotonic()
    fill_in(timed.client)  # the question pages, each a POST
    timed.times["POST referrals:intake_* (10 pages)"] = time.monotonic() - started
    response = timed("POST referrals:intake_check", "post", reverse("referrals:intake_check"))
    assert response.status_code == 302 and Referral.objects.filter(referrer=world.referrer_a)

    timed.as_(world.spoc_a)
    period = quarter(date(2019, 6, 30)).pk  # the page walk entered Q1 2018/19 already
    response = timed(
        "POST training:return_add",
        "post",
        "/training/returns/new/",
        training_return(world, period=str(period)),
    )
    assert response.status_code == 302, response.context["form"].errors


def test_every_page_and_form_answers_within_3_s_with_redis_stopped(
    client, scene, broker_down, media
):
    timed = Timed(client)
    # The forms first: the walk's last pages make a second council area, after which a record
    # made without naming its area has none.
    post_the_forms(timed, scene.world)
    open_every_page(timed, scene)

    # PDFs rendered in the request (weasyprint) are bounded by CPU, not by the broker: they
    # must answer, under a looser bound, and are reported apart.
    pdfs = {f"GET {n}" for n, v in PAGES.items() if v.download == "application/pdf"}
    pages = {k: v for k, v in timed.times.items() if k not in pdfs}
    slowest = max(pages, key=pages.get)
    print(
        f"\nRedis down: {len(pages)} pages and forms, slowest {slowest} {pages[slowest]:.2f} s;"
        f" PDFs: " + ", ".join(f"{k} {timed.times[k]:.2f} s" for k in sorted(pdfs))
    )
    assert {k: round(v, 2) for k, v in pages.items() if v >= LIMIT_SECONDS} == {}
    assert {k: round(timed.times[k], 2) for k in pdfs if timed.times[k] >= PDF_LIMIT_SECONDS} == {}
    assert Notification.objects.filter(kind="referral_shared", status="pending").exists()


def test_publishing_to_the_stopped_broker_fails_fast(broker_down):
    """What beat and management commands meet: an error within the 2 s timeouts, no hang."""
    started = time.monotonic()
    with pytest.raises(OperationalError):
        run_sweep(broker_down)
    assert time.monotonic() - started < LIMIT_SECONDS


@pytest.mark.postgres
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="a worker process shares only PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_outbox_catches_up_once_when_redis_returns(client, world, broker_down, tmp_path, mailbox):
    sign_in(client, world.coordinator)
    for agency in (world.agency_a, world.agency_b, world.council):
        referral = factories.referral(agency)
        response = client.post(
            reverse("referrals:share", args=[referral.pk]),
            {"share_with": "user", "username": world.spoc_b.username, "reason": "joint work"},
        )
        assert response.status_code == 302
    queued = list(Notification.objects.all())
    assert queued and {n.status for n in queued} == {"pending"}

    broker_down.start()  # Redis is back (same port, empty: the sweep message was never sent)
    worker = start_worker(tmp_path, broker_down, mailbox, hold="")
    try:
        all_sent_by_worker(broker_down, queued)
    finally:
        worker.stop()
    assert delivered(mailbox) == sorted(message_id(n) for n in queued)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT
