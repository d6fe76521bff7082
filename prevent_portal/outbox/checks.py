"""System checks for e-mail: links in it must reach the live service, and it must go somewhere.

outbox.E001 runs with every ``manage.py`` command in production (``migrate`` included), so a
deployment whose e-mails would carry links to 127.0.0.1 or plain http does not start.
outbox.E002 and outbox.W001 run with ``check --deploy``.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

LOCAL_HOSTS = {"", "localhost", "127.0.0.1", "::1"}


def site_url_problem(site_url: str, default: str) -> str | None:
    """Why ``site_url`` cannot start links in a production e-mail, or None."""
    if not site_url:
        return "SITE_URL is not set"
    if site_url.rstrip("/") == default.rstrip("/"):
        return f"SITE_URL is still the default ({default})"
    parts = urlsplit(site_url)
    if parts.scheme != "https":
        return f"SITE_URL must start with https:// (it is {site_url})"
    if parts.hostname in LOCAL_HOSTS:
        return f"SITE_URL must be the public address, not {parts.hostname or 'empty'}"
    if parts.query or parts.fragment:
        return "SITE_URL must be a plain address, with no query or fragment"
    return None


@register(Tags.security)
def check_site_url(app_configs, **kwargs):
    """outbox.E001: in production every e-mail link starts with a public https SITE_URL."""
    if not settings.IS_PRODUCTION:
        return []
    problem = site_url_problem(settings.SITE_URL, settings.SITE_URL_DEFAULT)
    if problem is None:
        return []
    return [
        Error(
            f"{problem}: links in e-mails would not reach the service.",
            hint="Set SITE_URL to the portal's public address, e.g. https://prevent.example.gov.uk",
            id="outbox.E001",
        )
    ]


@register(Tags.security, deploy=True)
def check_email_delivery(app_configs, **kwargs):
    """outbox.E002 / W001 (``check --deploy``): production sends e-mail through GOV.UK Notify
    (fully configured) or an SMTP server that is not this host's default."""
    if not settings.IS_PRODUCTION:
        return []
    backend = settings.EMAIL_BACKEND
    if backend == settings.NOTIFY_EMAIL_BACKEND:
        missing = [
            name
            for name in ("GOVUK_NOTIFY_API_KEY", "GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID")
            if not getattr(settings, name)
        ]
        if missing:
            return [
                Error(
                    f"E-mail goes through GOV.UK Notify but {' and '.join(missing)} is not set.",
                    hint="See docs/operations.md, 'E-mail through GOV.UK Notify'.",
                    id="outbox.E002",
                )
            ]
        return []
    if backend.endswith("smtp.EmailBackend") and settings.EMAIL_HOST in LOCAL_HOSTS:
        return [
            Warning(
                "Production has neither GOV.UK Notify nor an SMTP server configured: "
                f"e-mail would go to {settings.EMAIL_HOST or 'nowhere'}.",
                hint="Set GOVUK_NOTIFY_API_KEY (and the template id), or EMAIL_HOST.",
                id="outbox.W001",
            )
        ]
    if not backend.endswith("smtp.EmailBackend"):
        return [
            Warning(
                f"Production e-mail uses {backend}, which may not deliver mail.",
                hint="Use GOV.UK Notify (GOVUK_NOTIFY_API_KEY) or SMTP (EMAIL_HOST).",
                id="outbox.W001",
            )
        ]
    return []
