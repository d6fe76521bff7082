"""Single sign-on for council staff with Microsoft Entra ID (OpenID Connect, through
mozilla-django-oidc), off unless OIDC_ENABLED.

Safe by construction:
- authorisation code flow with PKCE (S256) and a nonce; the ID token must be signed RS256
  with a key from the tenant's JWKS endpoint (HS256 and "none" are refused);
- the token must come from the configured tenant (``iss`` and ``tid``) for this application
  (``aud``), and be in date;
- the user is found ONLY by the (``tid``, ``oid``) pair linked to them by the system
  administrator (``ExternalIdentity``), never by e-mail or name; nobody is ever created;
- inactive users are refused.

Entra asks for the second factor itself, so a council sign-in counts as verified when
OIDC_TRUST_IDP_MFA is on (the default); OIDC_REQUIRE_MFA_CLAIM also insists that the token's
``amr`` claim says "mfa".
"""

from __future__ import annotations

import logging
import time
from urllib.parse import urlencode

import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import SuspiciousOperation
from django.http import Http404
from django.urls import reverse
from django_otp import login as otp_login
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from prevent_portal.accounts.models import ExternalIdentity
from prevent_portal.accounts.reauth import authentication_recorded
from prevent_portal.core.middleware import (
    SESSION_SEEN,
    SESSION_STARTED,
    second_factor_not_required,
    sign_in_not_required,
)

logger = logging.getLogger(__name__)

# Set on the request by the backend for the callback view: the identity that signed in and
# whether the token says Entra asked for a second factor.
REQUEST_IDENTITY = "pp_sso_identity"


def enabled() -> bool:
    return bool(settings.OIDC_ENABLED)


def reauthentication_url(user, next_url: str) -> str | None:
    """The council sign-in that confirms ``user`` again, if they have a linked identity."""
    if not enabled() or not ExternalIdentity.objects.filter(user=user).exists():
        return None
    query = urlencode({"next": next_url, "reauth": "1"})
    return f"{reverse('accounts:sso_start')}?{query}"


class EntraIDBackend(OIDCAuthenticationBackend):
    """Matches a verified Entra ID token to a user by tenant id and object id only."""

    def authenticate(self, request, **kwargs):
        # Only the OIDC callback passes a nonce; a password sign-in never reaches Entra.
        if not enabled() or request is None or "nonce" not in kwargs:
            return None
        try:
            return super().authenticate(request, **kwargs)
        except SuspiciousOperation as exc:
            logger.warning("Council sign-in refused: %s", exc)
        except (requests.RequestException, jwt.PyJWTError, ValueError) as exc:
            logger.warning("Council sign-in failed: %s", type(exc).__name__)
        return None

    def get_user(self, user_id):
        # mozilla-django-oidc's get_user ignores is_active; Django's refuses inactive users.
        return ModelBackend.get_user(self, user_id)

    def verify_claims(self, claims) -> bool:
        """The token is for this application, from the configured tenant, in date, and
        names an object id; with OIDC_REQUIRE_MFA_CLAIM its amr includes "mfa"."""
        audience = claims.get("aud")
        audiences = audience if isinstance(audience, list) else [audience]
        checks = {
            "issuer": claims.get("iss") == settings.OIDC_OP_ISSUER,
            "audience": settings.OIDC_RP_CLIENT_ID in audiences,
            "tenant": str(claims.get("tid", "")).lower() == settings.OIDC_TENANT_ID.lower(),
            "object id": bool(claims.get("oid")),
            # pyjwt checks exp when present; a token without one never expires: refuse it.
            "expiry": isinstance(claims.get("exp"), int) and claims["exp"] > time.time(),
        }
        if settings.OIDC_REQUIRE_MFA_CLAIM:
            checks["mfa"] = "mfa" in (claims.get("amr") or [])
        failed = [name for name, ok in checks.items() if not ok]
        if failed:
            raise SuspiciousOperation(f"ID token refused: wrong {', '.join(failed)}")
        return True

    def get_or_create_user(self, access_token, id_token, payload):
        """The verified ID token carries tid and oid (Entra's userinfo endpoint does not),
        so the user is found from it; never created."""
        self.verify_claims(payload)
        identity = (
            ExternalIdentity.objects.select_related("user")
            .filter(tenant_id=payload["tid"].lower(), object_id=payload["oid"].lower())
            .first()
        )
        if identity is None:
            logger.warning("Council sign-in refused: no account is linked to this identity")
            return None
        if not identity.user.is_active:
            logger.warning("Council sign-in refused: the linked account is switched off")
            return None
        setattr(self.request, REQUEST_IDENTITY, identity)
        return identity.user


class _EnabledOnly:
    """404 unless single sign-on is switched on."""

    def dispatch(self, request, *args, **kwargs):
        if not enabled():
            raise Http404
        return super().dispatch(request, *args, **kwargs)


class SSOStartView(_EnabledOnly, OIDCAuthenticationRequestView):
    """Sends the browser to Entra ID (with PKCE and a nonce). ``reauth=1`` makes Entra ask
    for the password again (``prompt=login``) to confirm a signed-in user."""

    def get_extra_params(self, request):
        params = dict(super().get_extra_params(request))
        if request.GET.get("reauth") == "1":
            params["prompt"] = "login"
        return params


class SSOCallbackView(_EnabledOnly, OIDCAuthenticationCallbackView):
    """Entra ID sends the browser back here with a code; the backend checks the token."""

    def login_success(self):
        request = self.request
        current = request.user
        if current.is_authenticated and current.pk != self.user.pk:
            # Confirming "it's you" as somebody else ends the session instead.
            auth.logout(request)
            return self.login_failure()
        response = super().login_success()
        if not current.is_authenticated:
            request.session[SESSION_STARTED] = request.session[SESSION_SEEN] = time.time()
        identity = getattr(request, REQUEST_IDENTITY, None)
        if settings.OIDC_TRUST_IDP_MFA and identity is not None:
            otp_login(request, identity)
            authentication_recorded(request)
            if not current.is_authenticated:
                from prevent_portal.accounts.selfservice import sign_in_recorded

                sign_in_recorded(request, method="Council sign-in")
        return response


sso_start = second_factor_not_required(sign_in_not_required(SSOStartView.as_view()))
sso_callback = second_factor_not_required(sign_in_not_required(SSOCallbackView.as_view()))
