"""Prevent Portal settings: one module, read from the environment.

DJANGO_ENV picks the defaults: "demo" (the zero-set-up default: SQLite under var/, tasks
inline, e-mail written to var/mail/), "test", or "production" (refuses to start without
SECRET_KEY and ALLOWED_HOSTS, secure cookies, HSTS, HTTPS redirect). Every default can be
overridden by its own variable; bad values raise ImproperlyConfigured.
"""

import re
from datetime import timedelta
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="demo")
if DJANGO_ENV not in {"demo", "test", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be one of demo, test, production")
IS_PRODUCTION = DJANGO_ENV == "production"

DEBUG = env.bool("DEBUG", default=False)

if IS_PRODUCTION:
    # env.str without a default raises ImproperlyConfigured when the variable is unset.
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured("Set ALLOWED_HOSTS in production")
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production")
else:
    SECRET_KEY = env.str(
        "SECRET_KEY", default="demo-only-insecure-key-never-use-in-production-0123"
    )
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "testserver"])

SERVICE_NAME = env.str("SERVICE_NAME", default="Prevent Portal")
COUNCIL_NAME = env.str("COUNCIL_NAME", default="Northmere Borough Council")
# Where the accessibility statement tells people to report a problem or ask for another
# format (the Public Sector Bodies Accessibility Regulations 2018 require a contact), and how
# many working days the council promises to answer in. The demo's default is a made-up
# address; a council sets its own.
ACCESSIBILITY_CONTACT_EMAIL = env.str(
    "ACCESSIBILITY_CONTACT_EMAIL", default="accessibility@northmere.example"
)
ACCESSIBILITY_RESPONSE_WORKING_DAYS = env.int("ACCESSIBILITY_RESPONSE_WORKING_DAYS", default=10)

INSTALLED_APPS = [
    "prevent_portal.accounts.admin_site.SysadminAdminConfig",  # django.contrib.admin
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",  # single-use backup codes
    "axes",
    "guardian",
    "auditlog",
    "csp",
    "prevent_portal.core",
    "prevent_portal.areas",
    "prevent_portal.accounts",
    "prevent_portal.audit",
    "prevent_portal.outbox",
    "prevent_portal.reminders",
    "referrals",
    "channel_panel",
    "training",
    "governance",
    "documents",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "prevent_portal.core.middleware.SessionTimeoutMiddleware",
    "prevent_portal.core.middleware.RequireVerifiedUserMiddleware",
    "prevent_portal.core.middleware.AuditlogMiddleware",
    "prevent_portal.core.middleware.NoStoreMiddleware",
    "axes.middleware.AxesMiddleware",
    # Declares the council areas the request acts for: the row-level security wall (ADR 0011).
    "prevent_portal.areas.middleware.AreaWallMiddleware",
    # Builds each user's visible_to scopes once per request (prevent_portal/accounts/access.py).
    "prevent_portal.accounts.middleware.AccessScopesMiddleware",
]

ROOT_URLCONF = "prevent_portal.urls"
WSGI_APPLICATION = "prevent_portal.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "prevent_portal.core.context_processors.service",
            ],
            "builtins": ["prevent_portal.core.templatetags.govuk"],
        },
    }
]
# Django's form templates, but a select written in Python (its options were two template
# includes each): the same markup, prevent_portal/core/form_renderer.py.
FORM_RENDERER = "prevent_portal.core.form_renderer.Renderer"

# --- Database -----------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'demo.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60 if IS_PRODUCTION else 0)
# A persistent connection is checked before a request reuses it, so after a PostgreSQL
# restart the next request reconnects instead of failing (tests/reliability).
DATABASES["default"]["CONN_HEALTH_CHECKS"] = env.bool("CONN_HEALTH_CHECKS", default=True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and not env.bool(
    "DATABASE_JIT", default=False
):
    # PostgreSQL compiles a query to machine code once its estimated cost passes
    # jit_above_cost. For this application's aggregates over a year of referrals the compile
    # took longer than the query saved (155 ms of a 657 ms statistics query at a million
    # referrals; docs/performance.md), so the application's connections switch it off.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    options["options"] = f"{options.get('options', '')} -c jit=off".strip()
# A test run may create its databases from a template that has already been migrated (CI
# clones the database it has just migrated: each test worker then skips the migrations).
if env.str("TEST_DATABASE_TEMPLATE", default=""):
    DATABASES["default"]["TEST"] = {"TEMPLATE": env.str("TEST_DATABASE_TEMPLATE")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# PostgreSQL row-level security on every area-owned table, keyed by the areas the request,
# task or command acts for (prevent_portal/areas/rls.py, ADR 0011). `migrate` puts the
# policies up, or takes them down when this is off. SQLite (the demo) has no such wall.
AREA_RLS = env.bool("AREA_RLS", default=True)

# --- Accounts and sign-in -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The access module (prevent_portal.accounts.access) is the only object-permission check.
# guardian's backend is left out on purpose: it would answer user.has_perm(perm, obj) while
# ignoring grant expiry. See docs/adr/0001-permissions-model.md.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    # Council single sign-on; answers nothing unless OIDC_ENABLED (prevent_portal/accounts/sso.py).
    "prevent_portal.accounts.sso.EntraIDBackend",
]
SILENCED_SYSTEM_CHECKS = ["guardian.W001"]
ANONYMOUS_USER_NAME = None  # guardian: no anonymous user row

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
# A username together with the address it is tried from: a username alone would let anyone
# lock the Coordinator out by typing wrong passwords.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# Renders accounts/locked_out.html with the time left to wait.
AXES_LOCKOUT_CALLABLE = "prevent_portal.accounts.waiting.locked_out"
AXES_USERNAME_FORM_FIELD = "username"
AXES_VERBOSE = False
# A failed password check stores its query string and form (AccessAttempt.get_data and
# post_data, read in the admin). Masked like ``password`` (review 3): ``next``, the address
# the person was going to (a search's ``?q=<name and date of birth>`` included), and every
# secret field of the forms that call ``authenticate`` (sign-in, "Confirm it's you",
# changing your password: its current and new passwords, and the security code).
AXES_SENSITIVE_PARAMETERS = [
    "username",
    "ip_address",
    "next",
    "current_password",
    "new_password",
    "new_password_again",
    "token",
]
# Reverse proxies in front of the application, each appending to X-Forwarded-For (1 with the
# nginx set-up in docs/operations.md). prevent_portal.core.client_ip reads the client's address
# from that chain for the lockout, the access log and the audit log alike.
TRUSTED_PROXY_COUNT = env.int("AXES_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("AXES_PROXY_COUNT must be 0 or more")
AXES_CLIENT_IP_CALLABLE = "prevent_portal.core.client_ip.client_ip"

# Sensitive actions (exports of personal data, sharing, account security) ask for the
# password and security code again when the last sign-in or confirmation is older than this.
REAUTH_MAX_AGE_SECONDS = env.int("REAUTH_MAX_AGE_SECONDS", default=900)
# Accounts not signed in for this many days (since creation if never) are disabled daily.
ACCOUNT_INACTIVITY_DISABLE_DAYS = env.int("ACCOUNT_INACTIVITY_DISABLE_DAYS", default=90)
if REAUTH_MAX_AGE_SECONDS < 60 or ACCOUNT_INACTIVITY_DISABLE_DAYS < 1:
    raise ImproperlyConfigured(
        "REAUTH_MAX_AGE_SECONDS must be 60 or more, ACCOUNT_INACTIVITY_DISABLE_DAYS 1 or more"
    )

# The unusual-access report: openings outside these hours (UK time), and users who open more
# than this many records in a day, are pointed out to the agency's SPOC.
UNUSUAL_ACCESS_WORKING_HOURS = env.str("UNUSUAL_ACCESS_WORKING_HOURS", default="07:00-19:00")
UNUSUAL_ACCESS_DAILY_THRESHOLD = env.int("UNUSUAL_ACCESS_DAILY_THRESHOLD", default=50)

# Council single sign-on with Microsoft Entra ID (OpenID Connect). Off unless OIDC_ENABLED;
# partners keep password and authenticator app. See docs/operations.md "Single sign-on".
OIDC_ENABLED = env.bool("OIDC_ENABLED", default=False)
OIDC_TENANT_ID = env.str("OIDC_TENANT_ID", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_RP_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_RP_CLIENT_SECRET", default="")
# Entra asks for the second factor (Conditional Access), so a council sign-in counts as
# verified; false makes council users type an authenticator code as well.
OIDC_TRUST_IDP_MFA = env.bool("OIDC_TRUST_IDP_MFA", default=True)
# Also insist that the ID token's amr claim says "mfa" (needs the optional amr claim).
OIDC_REQUIRE_MFA_CLAIM = env.bool("OIDC_REQUIRE_MFA_CLAIM", default=False)
if OIDC_ENABLED and not (OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET):
    raise ImproperlyConfigured("OIDC_ENABLED needs OIDC_RP_CLIENT_ID and OIDC_RP_CLIENT_SECRET")
if OIDC_ENABLED and not re.fullmatch(r"[0-9a-fA-F-]{36}", OIDC_TENANT_ID):
    # One tenant's GUID: "common" or "organizations" would let any tenant's users in.
    raise ImproperlyConfigured("OIDC_TENANT_ID must be the council tenant's GUID")
_ENTRA = f"https://login.microsoftonline.com/{OIDC_TENANT_ID}"
OIDC_OP_ISSUER = f"{_ENTRA}/v2.0"
OIDC_OP_AUTHORIZATION_ENDPOINT = f"{_ENTRA}/oauth2/v2.0/authorize"
OIDC_OP_TOKEN_ENDPOINT = f"{_ENTRA}/oauth2/v2.0/token"
OIDC_OP_JWKS_ENDPOINT = f"{_ENTRA}/discovery/v2.0/keys"
OIDC_OP_USER_ENDPOINT = "https://graph.microsoft.com/oidc/userinfo"  # unused: ID token only
OIDC_RP_SIGN_ALGO = "RS256"
OIDC_RP_SCOPES = "openid profile"
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_USE_NONCE = True
OIDC_CREATE_USER = False
OIDC_ALLOW_UNSECURED_JWT = False
OIDC_STORE_ACCESS_TOKEN = OIDC_STORE_ID_TOKEN = False
OIDC_TIMEOUT = 10
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:sso_callback"
LOGIN_REDIRECT_URL_FAILURE = "/sign-in/?sso=failed"

OTP_TOTP_ISSUER = SERVICE_NAME
# A person with no authenticator sets one up only through a one-time link this fresh.
ENROLMENT_LINK_HOURS = env.int("ENROLMENT_LINK_HOURS", default=72)
# "Forgot your password?": the e-mailed link works once, for this long (Django's reset
# tokens are tied to the password, so a used link stops working), and requests are limited
# per e-mail address and per client address (prevent_portal/accounts/selfservice.py).
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_MINUTES", default=30) * 60
PASSWORD_RESET_LIMITS = {"per_email_per_hour": 3, "per_address_per_hour": 10}
OTP_TOTP_TOLERANCE = 1

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_ABSOLUTE_TIMEOUT = timedelta(hours=12)
SESSION_IDLE_TIMEOUT = timedelta(minutes=env.int("SESSION_IDLE_MINUTES", default=30))
# The timeout warning (static/app/timeout-warning.mjs) opens this long before the idle
# sign-out, so there is time to read it and choose to stay signed in.
SESSION_WARNING_SECONDS = env.int("SESSION_WARNING_SECONDS", default=120)
if not 0 < SESSION_WARNING_SECONDS < SESSION_IDLE_TIMEOUT.total_seconds():
    raise ImproperlyConfigured("SESSION_WARNING_SECONDS must be between 1 and the idle timeout")
SESSION_COOKIE_AGE = int(SESSION_ABSOLUTE_TIMEOUT.total_seconds())
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env.bool("SECURE_COOKIES", default=IS_PRODUCTION)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "prevent_portal.core.views.csrf_failure"

# --- Transport and browser security --------------------------------------------------------
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=IS_PRODUCTION)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if IS_PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if env.bool("BEHIND_TLS_PROXY", default=IS_PRODUCTION):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
X_FRAME_OPTIONS = "DENY"

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "form-action": [SELF],
        "base-uri": [SELF],
        "object-src": [NONE],
        "frame-ancestors": [NONE],
    }
}

# --- Static files: GOV.UK Frontend from npm, served by whitenoise -----------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("govuk", BASE_DIR / "node_modules" / "govuk-frontend" / "dist" / "govuk"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage"
            if IS_PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = not IS_PRODUCTION
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")
# No MEDIA_URL: no URL serves stored files. Every document goes out through the documents
# app's download view (access check, access log, attachment headers).

# --- Documents on referrals, cases, meetings and information requests (issue 16) ------------
# Where uploaded documents are kept: "filesystem" (MEDIA_ROOT/documents, outside the web
# root) or "s3" (any S3-compatible store through django-storages; docs/operations.md).
DOCUMENT_STORAGE = env.str("DOCUMENT_STORAGE", default="filesystem")
DOCUMENT_ROOT = env.str("DOCUMENT_ROOT", default=str(Path(str(MEDIA_ROOT)) / "documents"))
if DOCUMENT_STORAGE == "filesystem":
    STORAGES["documents"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {
            "location": str(
                env.path("DOCUMENT_ROOT", default=str(Path(str(MEDIA_ROOT)) / "documents"))
            ),
            "base_url": None,
            "file_permissions_mode": 0o600,
            "directory_permissions_mode": 0o700,
        },
    }
elif DOCUMENT_STORAGE == "s3":
    STORAGES["documents"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env.str("DOCUMENT_S3_BUCKET"),
            "endpoint_url": env.str("DOCUMENT_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DOCUMENT_S3_REGION", default="") or None,
            "location": env.str("DOCUMENT_S3_PREFIX", default="documents"),
            # Credentials come from the usual AWS variables or the instance's role.
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
            "object_parameters": {"ServerSideEncryption": "AES256"},
        },
    }
else:
    raise ImproperlyConfigured("DOCUMENT_STORAGE must be filesystem or s3")
# "clamd": every upload is scanned by ClamAV's daemon at CLAMD_ADDRESS (tcp://host:port or
# unix:///path) before anyone can download it. "none-demo-only" scans nothing and every
# upload page says so; production refuses to start with it.
DOCUMENT_SCANNER = env.str(
    "DOCUMENT_SCANNER", default="clamd" if IS_PRODUCTION else "none-demo-only"
)
if DOCUMENT_SCANNER not in {"clamd", "none-demo-only"}:
    raise ImproperlyConfigured("DOCUMENT_SCANNER must be clamd or none-demo-only")
if IS_PRODUCTION and DOCUMENT_SCANNER != "clamd":
    raise ImproperlyConfigured("In production, DOCUMENT_SCANNER must be clamd: uploads are scanned")
CLAMD_ADDRESS = env.str("CLAMD_ADDRESS", default="tcp://127.0.0.1:3310")
if not re.fullmatch(r"tcp://[^:/\s]+:\d+|unix:///\S+", CLAMD_ADDRESS):
    raise ImproperlyConfigured("CLAMD_ADDRESS must be tcp://host:port or unix:///path")
# Seconds to wait for clamd's verdict on one file before the upload is refused.
CLAMD_TIMEOUT = env.int("CLAMD_TIMEOUT", default=30)
# The largest document accepted (keep clamd's StreamMaxLength at least this large).
DOCUMENT_MAX_MB = env.int("DOCUMENT_MAX_MB", default=20)
if DOCUMENT_MAX_MB < 1 or CLAMD_TIMEOUT < 1:
    raise ImproperlyConfigured("DOCUMENT_MAX_MB and CLAMD_TIMEOUT must be 1 or more")
# The kinds of file accepted, judged by their content (documents/filetypes.py names them).
DOCUMENT_ALLOWED_TYPES = env.list(
    "DOCUMENT_ALLOWED_TYPES", default=["pdf", "docx", "xlsx", "png", "jpeg", "eml", "msg"]
)
if not DOCUMENT_ALLOWED_TYPES or not set(DOCUMENT_ALLOWED_TYPES) <= {
    "pdf",
    "docx",
    "xlsx",
    "png",
    "jpeg",
    "eml",
    "msg",
}:
    raise ImproperlyConfigured(
        "DOCUMENT_ALLOWED_TYPES: one or more of pdf, docx, xlsx, png, jpeg, eml, msg"
    )

# --- Audit --------------------------------------------------------------------------------
AUDITLOG_MASK_CALLABLE = "prevent_portal.audit.masking.redact"
AUDITLOG_STORE_JSON_CHANGES = True


# --- Audit trail integrity: keyed chain, anchors, database roles (ADR 0010) ----------------
def _read_secret_file(name: str, path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError as error:
        raise ImproperlyConfigured(f"{name}: cannot read {path}: {error}") from error


# The key that signs every link of the audit chain. It lives only in the application's
# environment (or a compose secret file), never in the database: each of the application's
# database sessions is given it as a startup option, and the chain trigger refuses sessions
# without it. The default is published, so only demo and test databases may use it.
AUDIT_CHAIN_DEMO_KEY = "demo-and-test-only-audit-chain-key-not-for-production"
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")
if env.str("AUDIT_CHAIN_KEY_FILE", default=""):
    AUDIT_CHAIN_KEY = _read_secret_file("AUDIT_CHAIN_KEY_FILE", env.str("AUDIT_CHAIN_KEY_FILE"))
if not AUDIT_CHAIN_KEY and not IS_PRODUCTION:
    AUDIT_CHAIN_KEY = AUDIT_CHAIN_DEMO_KEY
if IS_PRODUCTION and (not AUDIT_CHAIN_KEY or AUDIT_CHAIN_KEY == AUDIT_CHAIN_DEMO_KEY):
    raise ImproperlyConfigured(
        "Set AUDIT_CHAIN_KEY (or AUDIT_CHAIN_KEY_FILE) in production: 32 or more random "
        "characters, kept outside the database"
    )
# Retired keys, comma-separated, still needed to check links signed before a rotation.
AUDIT_CHAIN_PREVIOUS_KEYS = env.list("AUDIT_CHAIN_PREVIOUS_KEYS", default=[])
for _key in (AUDIT_CHAIN_KEY, *AUDIT_CHAIN_PREVIOUS_KEYS):
    # Passed in the libpq startup options, where a space or backslash would need escaping.
    if not re.fullmatch(r"[A-Za-z0-9_\-]{32,}", _key):
        raise ImproperlyConfigured(
            "AUDIT_CHAIN_KEY and AUDIT_CHAIN_PREVIOUS_KEYS: 32 or more of A-Z a-z 0-9 _ - "
            '(python3 -c "import secrets; print(secrets.token_urlsafe(32))")'
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = (
        f"{_options.get('options', '')} -c prevent.audit_chain_key={AUDIT_CHAIN_KEY}".strip()
    )
# The database password from a file (compose secrets) instead of inside DATABASE_URL.
if env.str("DATABASE_PASSWORD_FILE", default=""):
    DATABASES["default"]["PASSWORD"] = _read_secret_file(
        "DATABASE_PASSWORD_FILE", env.str("DATABASE_PASSWORD_FILE")
    )
# The least-privilege role web, worker and beat connect as. `migrate`, run as the owning
# role, grants it what the application needs and nothing that can rewrite the audit trail.
DATABASE_APP_ROLE = env.str("DATABASE_APP_ROLE", default="")
# The append-only file, outside PostgreSQL, where the worker writes the signed chain head
# every 10 minutes (celery.py); the nightly check compares the chain with its last line. Each
# anchor also goes to the "prevent_portal.audit.anchor" logger (standard output, syslog).
AUDIT_ANCHOR_FILE = env.path("AUDIT_ANCHOR_FILE", default=VAR_DIR / "audit-anchors.log")

# --- E-mail and the outbox ----------------------------------------------------------------
GOVUK_NOTIFY_API_KEY = env.str("GOVUK_NOTIFY_API_KEY", default="")
GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID = env.str("GOVUK_NOTIFY_PLAIN_EMAIL_TEMPLATE_ID", default="")
NOTIFY_EMAIL_BACKEND = "django_gov_notify.backends.NotifyEmailBackend"
# A Notify API key selects GOV.UK Notify; otherwise production sends by SMTP and the demo
# writes files under var/mail. EMAIL_BACKEND, when set, wins. `check --deploy` says when
# production has neither (prevent_portal/outbox/checks.py).
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=NOTIFY_EMAIL_BACKEND
    if GOVUK_NOTIFY_API_KEY
    else "django.core.mail.backends.smtp.EmailBackend"
    if IS_PRODUCTION
    else "django.core.mail.backends.filebased.EmailBackend",
)
EMAIL_FILE_PATH = VAR_DIR / "mail"
SITE_URL_DEFAULT = "http://127.0.0.1:8000"
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
# Reminders carry references and links to sensitive records: in production the SMTP link is
# encrypted (STARTTLS, or implicit TLS with EMAIL_USE_SSL), never plain (finding F7).
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=IS_PRODUCTION)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)
if (
    IS_PRODUCTION
    and EMAIL_BACKEND.endswith("smtp.EmailBackend")
    and not (EMAIL_USE_TLS or EMAIL_USE_SSL)
):
    raise ImproperlyConfigured("In production, e-mail must use TLS: set EMAIL_USE_TLS=true")
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="prevent-portal@example.invalid")
# The public address every link in an e-mail starts with (prevent_portal/outbox/links.py);
# production refuses the default, and anything but https (outbox.E001, `check --deploy`).
SITE_URL = env.str("SITE_URL", default=SITE_URL_DEFAULT)

# When true (the demo), pending notifications are sent in-process after the transaction that
# queued them commits, so neither Redis nor a worker is needed.
OUTBOX_SEND_INLINE = env.bool("OUTBOX_SEND_INLINE", default=DJANGO_ENV == "demo")
# A notification left in "sending" this long (its worker died mid-send) goes back to pending
# for the next sweep. Far longer than any send takes (EMAIL_TIMEOUT): see ADR 0003.
OUTBOX_CLAIM_TIMEOUT_SECONDS = env.int("OUTBOX_CLAIM_TIMEOUT_SECONDS", default=900)
if OUTBOX_CLAIM_TIMEOUT_SECONDS < 1:
    raise ImproperlyConfigured("OUTBOX_CLAIM_TIMEOUT_SECONDS must be 1 or more")

# --- Celery -------------------------------------------------------------------------------
CELERY_BROKER_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=DJANGO_ENV == "demo")
CELERY_TIMEZONE = "Europe/London"

# --- Django's cache -----------------------------------------------------------------------
# What the worker counts for the web to show (the management dashboard's period figures) lives
# here, so in production it must be one cache that every web process and the worker share:
# Redis (CACHE_URL, by default REDIS_URL; keys are prefixed, so the broker's database can hold
# them). A local-memory cache ("locmem://", the demo's and the tests' default) is one
# process's own: there, tasks run inline in the web process, which counts for itself.
# Short socket timeouts: a page that reads the cache must not hang on a Redis that does not
# answer (the dashboard then says its figures are being counted).
CACHE_URL = env.str("CACHE_URL", default=CELERY_BROKER_URL if IS_PRODUCTION else "locmem://")
if CACHE_URL.startswith(("redis://", "rediss://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "prevent-portal",
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 2},
        }
    }
elif CACHE_URL == "locmem://":
    if IS_PRODUCTION:
        raise ImproperlyConfigured(
            "In production the cache must be shared by every web process and the worker: "
            "set CACHE_URL (or REDIS_URL) to a redis:// address"
        )
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
else:
    raise ImproperlyConfigured("CACHE_URL must be a redis:// or rediss:// address, or locmem://")

# --- Referrals ----------------------------------------------------------------------------
TRIAGE_TARGET_DAYS = env.int("TRIAGE_TARGET_DAYS", default=5)
# Board and manager figures hide counts below this, so nobody can be identified.
STATISTICS_SUPPRESS_BELOW = env.int("STATISTICS_SUPPRESS_BELOW", default=5)

# --- Channel Panel ------------------------------------------------------------------------
# Invitees may open the cases on a meeting's agenda from this many days before it until this
# many days after it; a sweep then revokes the grants.
PANEL_PACK_OPENS_DAYS_BEFORE = env.int("PANEL_PACK_OPENS_DAYS_BEFORE", default=7)
PANEL_PACK_CLOSES_DAYS_AFTER = env.int("PANEL_PACK_CLOSES_DAYS_AFTER", default=7)
# Months after exit at which a post-exit review falls due.
CHANNEL_POST_EXIT_REVIEW_MONTHS = env.list(
    "CHANNEL_POST_EXIT_REVIEW_MONTHS", cast=int, default=[6, 12]
)
# Reminders go this many days before a post-exit review falls due.
CHANNEL_REVIEW_REMINDER_DAYS = env.int("CHANNEL_REVIEW_REMINDER_DAYS", default=14)
# A referral is adopted only with a vulnerability assessment completed no more than this many
# days before the day of adoption (channel_panel/lifecycle.py, "adopt").
CHANNEL_ASSESSMENT_CURRENT_DAYS = env.int("CHANNEL_ASSESSMENT_CURRENT_DAYS", default=28)
if CHANNEL_ASSESSMENT_CURRENT_DAYS < 0:
    raise ImproperlyConfigured("CHANNEL_ASSESSMENT_CURRENT_DAYS must not be negative")

# --- Training -----------------------------------------------------------------------------
# SPOCs whose returns are missing are reminded this many days before a quarter's deadline.
TRAINING_REMINDER_DAYS_BEFORE = env.int("TRAINING_REMINDER_DAYS_BEFORE", default=14)
# A quarter first created by an import gets its submission deadline this many days after it
# ends (the Coordinator can move it).
TRAINING_DEADLINE_DAYS_AFTER_QUARTER = env.int("TRAINING_DEADLINE_DAYS_AFTER_QUARTER", default=30)
if TRAINING_REMINDER_DAYS_BEFORE < 0 or TRAINING_DEADLINE_DAYS_AFTER_QUARTER < 0:
    raise ImproperlyConfigured("Training reminder and deadline days must be 0 or more")

# --- Governance ---------------------------------------------------------------------------
# The dashboard's referral and Channel Panel figures are counted by the worker (beat, every
# minute: governance.dashboard_figures_refresh) into the shared cache, again once they are
# older than this, for this financial year and every period a reader asked for in the last
# day; the page shows them as counted and says when. 0: counted again at every sweep.
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=300)
if DASHBOARD_CACHE_SECONDS < 0:
    raise ImproperlyConfigured("DASHBOARD_CACHE_SECONDS must be 0 or more")
# Board update reminders go to the lead officer and recipients this many days before the
# next update is due (each lead time once); an overdue escalation follows the due date.
try:
    BOARD_REMINDER_LEAD_DAYS = sorted(
        set(env.list("BOARD_REMINDER_LEAD_DAYS", cast=int, default=[28, 7])), reverse=True
    )
except ValueError as exc:
    raise ImproperlyConfigured("BOARD_REMINDER_LEAD_DAYS must be whole numbers of days") from exc
if any(days < 1 for days in BOARD_REMINDER_LEAD_DAYS):
    raise ImproperlyConfigured("BOARD_REMINDER_LEAD_DAYS must be positive numbers of days")
# Board update papers (attachments) up to this size are accepted.
BOARD_ATTACHMENT_MAX_MB = env.int("BOARD_ATTACHMENT_MAX_MB", default=20)

# --- Uploads, exports and reminders (security findings F6, F7, F15) ------------------------
# A spreadsheet upload in the browser (referral and training imports) may hold at most
# IMPORT_MAX_ROWS data rows, so it finishes within gunicorn's 60 s (a referral row costs six
# inserts: 2,000 took 50 s on a loaded 2-core machine); the import commands, run outside the
# web, take up to IMPORT_MAX_ROWS_COMMAND. At most IMPORT_MAX_COLUMNS columns; a file that
# declares more is refused before it is read. An XLSX may unpack to IMPORT_MAX_UNPACKED_MB.
IMPORT_MAX_ROWS = env.int("IMPORT_MAX_ROWS", default=2000)
IMPORT_MAX_ROWS_COMMAND = env.int("IMPORT_MAX_ROWS_COMMAND", default=100000)
IMPORT_MAX_COLUMNS = env.int("IMPORT_MAX_COLUMNS", default=50)
IMPORT_MAX_UNPACKED_MB = env.int("IMPORT_MAX_UNPACKED_MB", default=200)
if min(IMPORT_MAX_ROWS, IMPORT_MAX_ROWS_COMMAND, IMPORT_MAX_COLUMNS, IMPORT_MAX_UNPACKED_MB) < 1:
    raise ImproperlyConfigured("IMPORT_MAX_ROWS, _ROWS_COMMAND, _COLUMNS, _UNPACKED_MB: 1 or more")
# A subject-access export nobody downloads is deleted this many days after it was built.
SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS = env.int("SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS", default=7)
if SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS < 1:
    raise ImproperlyConfigured("SUBJECT_ACCESS_EXPORT_EXPIRY_DAYS must be 1 or more")

# --- Internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

# Tracebacks are logged without exception messages, which can quote personal data, and
# Django's mail_admins handler (a 500's POST data and local variables by e-mail) is dropped:
# "django" logs only through the console (tests/audit/test_no_leaks.py).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "withhold_exception_messages": {
            "()": "prevent_portal.audit.log_redaction.WithholdExceptionMessages"
        }
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["withhold_exception_messages"],
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO"}},
}
