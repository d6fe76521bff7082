"""In production, e-mail leaves over TLS (security finding F7): on by default, and a
production configuration that switches it off refuses to start."""

import secrets

from tests.test_docker_compose import _manage

PRODUCTION = {
    "DJANGO_ENV": "production",
    "ALLOWED_HOSTS": "portal.example.org",
    # Production also needs the audit chain's key (ADR 0010); a fresh one each run.
    "AUDIT_CHAIN_KEY": secrets.token_urlsafe(32),
}


def test_production_sends_mail_over_tls_by_default(tmp_path):
    result = _manage(
        tmp_path,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.EMAIL_USE_TLS)",
        SECRET_KEY=secrets.token_urlsafe(50),
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "True"


def test_production_refuses_plain_smtp(tmp_path):
    result = _manage(
        tmp_path, "check", SECRET_KEY=secrets.token_urlsafe(50), EMAIL_USE_TLS="false", **PRODUCTION
    )
    assert result.returncode != 0
    assert "e-mail must use TLS" in result.stderr
