"""The e-mail system checks: production refuses a SITE_URL that links in e-mails could not
follow (outbox.E001), and `check --deploy` says when e-mail would go nowhere (outbox.E002,
outbox.W001). Production picks GOV.UK Notify when its key is set."""

from __future__ import annotations

import secrets

import pytest

from prevent_portal.outbox.checks import check_email_delivery, check_site_url
from tests.test_docker_compose import _manage

NOTIFY = "django_gov_notify.backends.NotifyEmailBackend"
SMTP = "django.core.mail.backends.smtp.EmailBackend"


def _ids(messages) -> list[str]:
    return [m.id for m in messages]


@pytest.mark.parametrize(
    "site_url",
    [
        "",
        "http://127.0.0.1:8000",
        "http://portal.example.org",
        "https://localhost",
        "https://x.org/?a=1",
    ],
)
def test_production_refuses_a_site_url_emails_cannot_use(settings, site_url):
    settings.IS_PRODUCTION = True
    settings.SITE_URL = site_url
    assert _ids(check_site_url(None)) == ["outbox.E001"]


def test_a_public_https_site_url_passes_and_the_demo_is_not_checked(settings):
    settings.IS_PRODUCTION = True
    settings.SITE_URL = "https://prevent.example.gov.uk"
    assert check_site_url(None) == []
    settings.IS_PRODUCTION = False
    settings.SITE_URL = "http://127.0.0.1:8000"
    assert check_site_url(None) == []


def test_deploy_check_flags_production_with_neither_notify_nor_smtp(settings):
    settings.IS_PRODUCTION = True
    settings.EMAIL_BACKEND = SMTP
    settings.EMAIL_HOST = "localhost"
    assert _ids(check_email_delivery(None)) == ["outbox.W001"]
    settings.EMAIL_HOST = "smtp.example.org"
    assert check_email_delivery(None) == []
    settings.EMAIL_BACKEND = NOTIFY
    settings.GOVUK_NOTIFY_API_KEY = ""
    assert _ids(check_email_delivery(None)) == ["outbox.E002"]
    settings.GOVUK_NOTIFY_API_KEY = "key"
    settings.GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = "00000000-0000-0000-0000-000000000000"
    assert check_email_delivery(None) == []


def test_production_sends_through_notify_when_its_key_is_set(tmp_path):
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_BACKEND)",
        DJANGO_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="portal.example.org",
        AUDIT_CHAIN_KEY=secrets.token_urlsafe(32),
        SITE_URL="https://portal.example.org",
        GOVUK_NOTIFY_API_KEY="a-key",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == NOTIFY
