"""Healthlead settings: one file, every value from the environment (see .env.example)."""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from healthlead.accounts.oidc_settings import oidc_settings_from_env
from healthlead.config.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("HEALTHLEAD_VAR_DIR", str(BASE_DIR / "var")))

# "development" (the default: make run, tests) or "production" (secure defaults, secrets required).
ENVIRONMENT = env_str("HEALTHLEAD_ENV", "development")
if ENVIRONMENT not in {"development", "production"}:
    raise ImproperlyConfigured("HEALTHLEAD_ENV must be development or production.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", False)
# Under pytest: immediate tasks and plain static files unless the environment says otherwise.
TESTING = "pytest" in sys.modules
if TESTING:
    # Playwright's sync API keeps an event loop running in the test thread.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
if PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG must be false when HEALTHLEAD_ENV=production.")


def _development_secret_key() -> str:
    """A per-checkout key kept in var/, so sessions survive restarts of make run."""
    path = VAR_DIR / "secret_key"
    if not path.exists():
        VAR_DIR.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if PRODUCTION:
    SECRET_KEY = env_str(
        "SECRET_KEY", hint="Use a long random value, e.g. from secrets.token_urlsafe(50)."
    )
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 characters long.")
else:
    SECRET_KEY = env_str("SECRET_KEY", "") or _development_secret_key()

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", [] if PRODUCTION else ["127.0.0.1", "localhost", "testserver"]
)
if PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("Set ALLOWED_HOSTS to the host names Healthlead answers on.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "django_tasks",
    "django_tasks_db",
    "healthlead.core",
    "healthlead.accounts",
    "healthlead.people",
    "healthlead.frameworks",
    "healthlead.feedback",
    "healthlead.appraisal",
    "healthlead.talent",
    "healthlead.programmes",
    "healthlead.privacy",
    "healthlead.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # Idle sessions end before anything acts on who the user is (it adds a message).
    "healthlead.core.middleware.SessionIdleTimeoutMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "healthlead.accounts.middleware.ScopeMiddleware",
    "healthlead.accounts.middleware.TwoFactorRequiredMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "healthlead.config.urls"
CSRF_FAILURE_VIEW = "healthlead.core.views.csrf_failure_view"
WSGI_APPLICATION = "healthlead.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "environment": "healthlead.config.jinja2.environment",
            "context_processors": ["healthlead.privacy.context.retention_periods"],
        },
    },
    {
        # Django's own templates (password reset email subject fallbacks, admin-free).
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    },
]

# Cache: files, shared by every web and worker process on the host. Only derived figures go
# in it (360 report charts, keyed by their content); a per-process memory cache made every
# gunicorn worker draw each chart again (about 0.6 s a report). Rate limits and sessions do
# not use it.
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env_str("HEALTHLEAD_CACHE_DIR", str(VAR_DIR / "cache")),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }
}

# Database: one code path. SQLite (embedded default) or PostgreSQL via DATABASE_URL.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'healthlead.sqlite3'}")
try:
    _default_db = dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))
except ValueError as error:
    raise ImproperlyConfigured(f"DATABASE_URL is not a database address: {error}") from None
if _default_db["ENGINE"] == "django.db.backends.sqlite3":
    _default_db["OPTIONS"] = {
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    _default_db["CONN_MAX_AGE"] = 0
elif _default_db["ENGINE"] == "django.db.backends.postgresql":
    _default_db["CONN_HEALTH_CHECKS"] = True
    _default_db.setdefault("OPTIONS", {})["connect_timeout"] = env_int("DB_CONNECT_TIMEOUT", 5)
    _default_db["TEST"] = {"NAME": env_str("DATABASE_TEST_NAME", "test_healthlead")}
else:
    raise ImproperlyConfigured("DATABASE_URL must be a sqlite:// or postgres:// address.")
DATABASES = {"default": _default_db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    # Password sign-in; Django model permissions for staff (admin) accounts only.
    "healthlead.accounts.backends.PasswordBackend",
    # OpenID Connect sign-in: answers only the callback, and only when OIDC_ENABLED.
    "healthlead.accounts.oidc.OIDCBackend",
]
PASSWORD_HASHERS = [
    # Argon2id at OWASP's parameters; Django's default-parameter hashes verify and are upgraded.
    "healthlead.accounts.hashers.Argon2PasswordHasher",
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
LOGIN_URL = "accounts:sign_in"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:sign_in"
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2

# Sessions expire after inactivity (seconds); the cookie dies with the browser.
SESSION_IDLE_TIMEOUT = env_int("SESSION_IDLE_TIMEOUT", 30 * 60, minimum=60)
SESSION_COOKIE_AGE = env_int("SESSION_MAX_AGE", 12 * 60 * 60, minimum=60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

# django-axes: lock an account and address pair after repeated failures.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_TIME = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1) / 60  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.jinja"
AXES_ENABLED = env_bool("AXES_ENABLED", True)
# Client addresses: X-Forwarded-For is believed only from this many proxies in front of us.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "healthlead.core.ratelimit.client_ip"

# Rate limits per client, counted in the database (docs/adr/0003-rate-limits.md):
# name -> (requests allowed, per this many seconds).
RATE_LIMITS_ENABLED = env_bool("RATE_LIMITS_ENABLED", True)
RATE_LIMITS = {
    "sign_in": (env_int("RATE_LIMIT_SIGN_IN", 60, minimum=1), 5 * 60),
    "password_reset": (env_int("RATE_LIMIT_PASSWORD_RESET", 10, minimum=1), 60 * 60),
    "two_factor": (env_int("RATE_LIMIT_TWO_FACTOR", 10, minimum=1), 5 * 60),
}

# Two-factor sign-in (TOTP) for privileged roles.
OTP_TOTP_ISSUER = "Healthlead"
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)

# Optional single sign-on by OpenID Connect: on when HEALTHLEAD_OIDC_ISSUER is set, and then
# every required HEALTHLEAD_OIDC_ variable must be (docs/security.md). The OIDC_RP_* and
# OIDC_OP_* names are the ones mozilla-django-oidc reads.
_oidc = oidc_settings_from_env(production=PRODUCTION)
OIDC_ENABLED = _oidc.enabled
OIDC_ISSUER = _oidc.issuer
OIDC_PROVIDER_NAME = _oidc.provider_name
OIDC_EMAIL_CLAIM = _oidc.email_claim
OIDC_REQUIRE_VERIFIED_EMAIL = _oidc.require_verified_email
OIDC_CREATE_USER = _oidc.create_users
OIDC_MFA_ACR_VALUES = _oidc.mfa_acr_values
OIDC_MFA_AMR_VALUES = _oidc.mfa_amr_values
OIDC_RP_CLIENT_ID = _oidc.client_id
OIDC_RP_CLIENT_SECRET = _oidc.client_secret
OIDC_RP_SIGN_ALGO = _oidc.sign_algo
OIDC_RP_SCOPES = _oidc.scopes
OIDC_OP_AUTHORIZATION_ENDPOINT = _oidc.authorization_endpoint
OIDC_OP_TOKEN_ENDPOINT = _oidc.token_endpoint
OIDC_OP_USER_ENDPOINT = _oidc.userinfo_endpoint
OIDC_OP_JWKS_ENDPOINT = _oidc.jwks_endpoint
OIDC_TIMEOUT = _oidc.timeout
OIDC_USE_PKCE = True
OIDC_AUTHENTICATION_CALLBACK_URL = "accounts:oidc_callback"

# Security headers. Production turns on HTTPS-only cookies and HSTS.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy: no inline script; fonts from the NHS asset host.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "https://assets.nhs.uk"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# Static assets: the NHS.UK frontend expects /assets/.
STATIC_URL = "/assets/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if TESTING
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Development serves assets straight from the apps; production from collectstatic's output.
WHITENOISE_USE_FINDERS = not PRODUCTION
WHITENOISE_AUTOREFRESH = env_bool("WHITENOISE_AUTOREFRESH", not PRODUCTION)
# Uploaded files live outside the web root and are served only through permission-checked views.
MEDIA_ROOT = Path(env_str("HEALTHLEAD_UPLOAD_DIR", str(VAR_DIR / "uploads")))
MAX_UPLOAD_BYTES = env_int("MAX_UPLOAD_BYTES", 50 * 1024 * 1024, minimum=1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o600

# Retention (docs/privacy.md): `manage.py apply_retention` removes what is older than these.
RETENTION_STAFF_LEFT_YEARS = env_int("RETENTION_STAFF_LEFT_YEARS", 6, minimum=1)
RETENTION_RATER_INVITATION_DAYS = env_int("RETENTION_RATER_INVITATION_DAYS", 90, minimum=1)
RETENTION_STAFF_IMPORT_DAYS = env_int("RETENTION_STAFF_IMPORT_DAYS", 30, minimum=1)

# Email: console locally, a file backend or SMTP from the environment.
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH", str(VAR_DIR / "emails"))
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Healthlead <no-reply@healthlead.nhs.example>")

# Background work: the database queue (django-tasks-db); tests use the immediate backend.
TASKS = {
    "default": {
        "BACKEND": env_str(
            "TASKS_BACKEND",
            "django_tasks.backends.immediate.ImmediateBackend"
            if TESTING
            else "django_tasks_db.DatabaseBackend",
        ),
    }
}

# 360 reports: draw a report's charts in the task worker when the cycle closes, so nobody
# waits for them on the first view (about 0.6 s of CPU a report). Off under pytest, where the
# immediate backend would draw them inside every test that closes a cycle; a test turns it on.
HEALTHLEAD_PREDRAW_CHARTS = env_bool("HEALTHLEAD_PREDRAW_CHARTS", not TESTING)

# Regions: which region set organisations are placed in ("nhse-2020" or "ncb-2013").
HEALTHLEAD_REGION_SET = env_str("HEALTHLEAD_REGION_SET", "nhse-2020")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = False
USE_TZ = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django.security.DisallowedHost": {
            "handlers": ["console"],
            "level": "ERROR",
            "propagate": False,
        },
    },
}
