"""Council single sign-on with Microsoft Entra ID, end to end without the internet: a real HTTP
server on 127.0.0.1 plays Entra's token and JWKS endpoints, and ID tokens are signed with an
RSA key made for the test. The application fetches both with requests, as in production."""

import base64
import hashlib
import json
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import StringIO
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import CommandError, call_command
from django.urls import reverse

from prevent_portal.accounts.models import ExternalIdentity, User
from prevent_portal.accounts.reauth import SESSION_AUTHENTICATED_AT

TENANT = "6f1c2d3e-1111-4a4a-9b9b-0123456789ab"
OTHER_TENANT = "0e0e0e0e-2222-4b4b-8c8c-ba9876543210"
CLIENT_ID = "3c9d8e7f-3333-4c4c-8d8d-00000000c1d0"
CLIENT_SECRET = "test-client-secret-never-used-elsewhere"
OID_A = "aaaaaaaa-0000-4000-8000-00000000000a"
OID_B = "bbbbbbbb-0000-4000-8000-00000000000b"
KID = "test-signing-key"
START = "/sign-in/council/"
CALLBACK = "/sign-in/council/callback/"
FAILED = "/sign-in/?sso=failed"


class FakeEntra:
    """Token and JWKS endpoints; the test decides the next ID token's claims and signing."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        jwk = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**jwk, "kid": KID, "alg": "RS256", "use": "sig"}]}
        self.claims: dict = {}
        self.sign = "RS256"
        self.challenge = ""
        self.token_requests: list[dict] = []

    def id_token(self) -> str:
        if self.sign == "RS256":
            return jwt.encode(self.claims, self.key, algorithm="RS256", headers={"kid": KID})
        if self.sign == "HS256":  # signed with the client secret, as an attacker might try
            return jwt.encode(self.claims, CLIENT_SECRET, algorithm="HS256", headers={"kid": KID})
        header = base64.urlsafe_b64encode(json.dumps({"alg": "none", "kid": KID}).encode())
        body = base64.urlsafe_b64encode(json.dumps(self.claims).encode())
        return f"{header.decode().rstrip('=')}.{body.decode().rstrip('=')}."

    def handler(self):
        entra = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _json(self, status, payload):
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self):
                if self.path == "/keys":
                    return self._json(200, entra.jwks)
                return self._json(404, {})

            def do_POST(self):
                length = int(self.headers["Content-Length"])
                form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
                entra.token_requests.append(form)
                # PKCE (RFC 7636, S256): the verifier must hash to the challenge sent earlier.
                digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
                expected = base64.urlsafe_b64encode(digest).decode().rstrip("=")
                if self.path != "/token" or expected != entra.challenge:
                    return self._json(400, {"error": "invalid_grant"})
                return self._json(200, {"id_token": entra.id_token(), "access_token": "at"})

        return Handler


@pytest.fixture
def entra(settings, monkeypatch):
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    fake = FakeEntra()
    server = ThreadingHTTPServer(("127.0.0.1", 0), fake.handler())
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    settings.OIDC_ENABLED = True
    settings.OIDC_TENANT_ID = TENANT
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_OP_ISSUER = f"https://login.microsoftonline.com/{TENANT}/v2.0"
    settings.OIDC_OP_AUTHORIZATION_ENDPOINT = (
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    )
    settings.OIDC_OP_TOKEN_ENDPOINT = f"{base}/token"
    settings.OIDC_OP_JWKS_ENDPOINT = f"{base}/keys"
    yield fake
    server.shutdown()
    server.server_close()


@pytest.fixture
def linked(world):
    """spoc-a is linked to OID_A in the council tenant."""
    return ExternalIdentity.objects.create(user=world.spoc_a, tenant_id=TENANT, object_id=OID_A)


def good_claims(nonce: str, **changes) -> dict:
    now = int(time.time())
    claims = {
        "iss": f"https://login.microsoftonline.com/{TENANT}/v2.0",
        "aud": CLIENT_ID,
        "tid": TENANT,
        "oid": OID_A,
        "sub": "pairwise-subject",
        "email": "spoc-a@example.invalid",
        "name": "Test Person",
        "nonce": nonce,
        "iat": now,
        "nbf": now,
        "exp": now + 3600,
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def start(client, query: str = "") -> dict:
    response = client.get(START + query)
    assert response.status_code == 302
    return {k: v[0] for k, v in parse_qs(urlsplit(response.url).query).items()}


def sign_in_via_entra(client, entra, *, sign="RS256", **changes):
    params = start(client)
    entra.challenge = params["code_challenge"]
    entra.sign = sign
    entra.claims = good_claims(params["nonce"], **changes)
    return client.get(CALLBACK, {"code": "auth-code", "state": params["state"]})


def signed_in_as(client):
    return client.session.get("_auth_user_id")


# --- Off unless switched on -----------------------------------------------------------------


def test_single_sign_on_is_off_by_default(client, db, settings):
    assert settings.OIDC_ENABLED is False
    assert client.get(START).status_code == 404
    assert client.get(CALLBACK, {"code": "x", "state": "y"}).status_code == 404
    assert b"Sign in with your council account" not in client.get("/sign-in/").content


def test_sign_in_page_offers_the_council_account_when_switched_on(client, db, entra):
    content = client.get("/sign-in/").content.decode()
    assert "Sign in with your council account" in content
    assert 'name="username"' in content  # partners keep password and authenticator


def test_authorization_redirect_uses_pkce_a_nonce_and_the_tenant(client, db, entra):
    response = client.get(START)
    url = urlsplit(response.url)
    assert f"{url.scheme}://{url.netloc}{url.path}" == (
        f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/authorize"
    )
    params = {k: v[0] for k, v in parse_qs(url.query).items()}
    assert params["code_challenge_method"] == "S256"
    assert len(params["code_challenge"]) == 43  # base64url of a SHA-256 digest
    assert params["nonce"] and params["state"]
    assert params["client_id"] == CLIENT_ID and params["response_type"] == "code"
    assert params["redirect_uri"] == f"http://testserver{CALLBACK}"


# --- Who gets in ----------------------------------------------------------------------------


def test_user_is_matched_on_tenant_and_object_id_and_counts_as_verified(
    client, world, entra, linked
):
    response = sign_in_via_entra(client, entra)
    assert response.status_code == 302 and response.url == "/"
    assert signed_in_as(client) == str(world.spoc_a.pk)
    assert client.get("/referrals/").status_code == 200  # no authenticator code asked for
    assert client.session.get(SESSION_AUTHENTICATED_AT)  # fresh for sensitive actions
    # The verifier went to the token endpoint and matched the challenge (checked there).
    assert entra.token_requests[-1]["code_verifier"]
    assert entra.token_requests[-1]["grant_type"] == "authorization_code"


def test_same_email_but_another_object_id_is_refused(client, world, entra, linked):
    response = sign_in_via_entra(client, entra, oid=OID_B, email=world.spoc_a.email)
    assert response.url == FAILED
    assert signed_in_as(client) is None


def test_token_from_another_tenant_is_refused_even_with_a_linked_identity(
    client, world, entra, linked
):
    ExternalIdentity.objects.create(user=world.spoc_b, tenant_id=OTHER_TENANT, object_id=OID_B)
    response = sign_in_via_entra(
        client,
        entra,
        tid=OTHER_TENANT,
        oid=OID_B,
        iss=f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0",
    )
    assert response.url == FAILED and signed_in_as(client) is None


@pytest.mark.parametrize("sign", ["HS256", "none"])
def test_tokens_not_signed_rs256_by_the_tenant_are_refused(client, world, entra, linked, sign):
    response = sign_in_via_entra(client, entra, sign=sign)
    assert response.url == FAILED and signed_in_as(client) is None


def test_token_signed_by_another_key_is_refused(client, world, entra, linked):
    entra.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)  # not in JWKS
    response = sign_in_via_entra(client, entra)
    assert response.url == FAILED and signed_in_as(client) is None


@pytest.mark.parametrize(
    "changes",
    [
        {"aud": "another-application"},
        {"exp": int(time.time()) - 60},
        {"exp": None},
        {"iss": "https://login.microsoftonline.com/common/v2.0"},
        {"oid": None},
    ],
    ids=["other audience", "expired", "no expiry", "other issuer", "no object id"],
)
def test_tokens_with_wrong_claims_are_refused(client, world, entra, linked, changes):
    response = sign_in_via_entra(client, entra, **changes)
    assert response.url == FAILED and signed_in_as(client) is None


def test_unknown_identity_is_refused_and_no_account_is_created(client, world, entra):
    before = User.objects.count()
    response = sign_in_via_entra(client, entra)
    assert response.url == FAILED and signed_in_as(client) is None
    assert User.objects.count() == before


def test_inactive_user_is_refused(client, world, entra, linked):
    User.objects.filter(pk=world.spoc_a.pk).update(is_active=False)
    response = sign_in_via_entra(client, entra)
    assert response.url == FAILED and signed_in_as(client) is None


def test_replayed_callback_is_refused(client, world, entra, linked):
    params = start(client)
    entra.challenge = params["code_challenge"]
    entra.claims = good_claims(params["nonce"])
    client.get(CALLBACK, {"code": "auth-code", "state": params["state"]})
    client.post(reverse("accounts:sign_out"))
    response = client.get(CALLBACK, {"code": "auth-code", "state": params["state"]})
    assert response.url == FAILED and signed_in_as(client) is None


# --- The second factor ----------------------------------------------------------------------


def test_without_trusting_entra_mfa_the_authenticator_code_is_still_asked(
    client, world, entra, linked, settings
):
    settings.OIDC_TRUST_IDP_MFA = False
    sign_in_via_entra(client, entra)
    assert signed_in_as(client) == str(world.spoc_a.pk)
    response = client.get("/referrals/")
    assert response.status_code == 302 and response.url == "/sign-in/security-code/"


@pytest.mark.parametrize(("amr", "accepted"), [(["pwd"], False), (["pwd", "mfa"], True)])
def test_mfa_claim_is_required_when_set(client, world, entra, linked, settings, amr, accepted):
    settings.OIDC_REQUIRE_MFA_CLAIM = True
    sign_in_via_entra(client, entra, amr=amr)
    assert (signed_in_as(client) == str(world.spoc_a.pk)) is accepted


def test_confirm_its_you_offers_the_council_account_and_asks_entra_again(
    client, world, entra, linked
):
    sign_in_via_entra(client, entra)
    page = client.get("/sign-in/confirm/?next=/referrals/")
    assert b"Confirm with your council account" in page.content
    params = start(client, "?next=/referrals/&reauth=1")
    assert params["prompt"] == "login"


# --- Linking an identity --------------------------------------------------------------------


def test_link_sso_identity_command_links_and_replaces(world):
    out = StringIO()
    call_command("link_sso_identity", "spoc-a", "--tenant", TENANT, "--oid", OID_A, stdout=out)
    call_command(
        "link_sso_identity", "spoc-a", "--tenant", TENANT, "--oid", OID_B.upper(), stdout=out
    )
    identity = ExternalIdentity.objects.get(user=world.spoc_a)
    assert (identity.tenant_id, identity.object_id) == (TENANT, OID_B)
    with pytest.raises(CommandError, match="already linked"):
        call_command("link_sso_identity", "spoc-b", "--tenant", TENANT, "--oid", OID_B)
    with pytest.raises(CommandError, match="not a GUID"):
        call_command("link_sso_identity", "spoc-b", "--tenant", "common", "--oid", OID_B)


def test_settings_refuse_a_multi_tenant_authority(tmp_path):
    env = {
        "DJANGO_ENV": "test",
        "OIDC_ENABLED": "true",
        "OIDC_TENANT_ID": "common",
        "OIDC_RP_CLIENT_ID": CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": CLIENT_SECRET,
        "PATH": "/usr/bin:/bin",
    }
    result = subprocess.run(
        [sys.executable, "-c", "import prevent_portal.settings"],
        cwd=Path(__file__).resolve().parents[2],
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode != 0
    assert "OIDC_TENANT_ID must be the council tenant's GUID" in result.stderr
