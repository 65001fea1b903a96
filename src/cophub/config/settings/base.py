"""Settings that run with no environment: SQLite, a database task queue, files on disk.

Everything comes from environment variables (`DATABASE_URL`, `REDIS_URL`, `EMAIL_URL`,
`COPHUB_*`), each with a working default. Everything the defaults write lives under
`COPHUB_DATA_DIR` (default `./var/`).
"""

import os
import secrets
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("COPHUB_DATA_DIR", "var")).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    """COPHUB_SECRET_KEY, or a random key kept in the data directory for one machine."""
    if key := env("COPHUB_SECRET_KEY"):
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_bool("COPHUB_DEBUG", False)
# Links in e-mail, invitations and feeds start with the site URL. `cophub serve` sets it to
# the address it serves when the operator has not (`--port 8001`: http://127.0.0.1:8001).
SITE_URL = env("COPHUB_SITE_URL", "http://127.0.0.1:8000").rstrip("/")


def _default_allowed_hosts(site_url: str) -> str:
    """The loopback names, and the site URL's host: the address links lead to is always one
    the site answers on (`cophub serve --host 10.0.0.5` works without more settings)."""
    host = urlsplit(site_url).hostname or ""
    host = f"[{host}]" if ":" in host else host
    return ",".join(dict.fromkeys(["127.0.0.1", "localhost", "[::1]", *([host] if host else [])]))


ALLOWED_HOSTS = env_list("COPHUB_ALLOWED_HOSTS", _default_allowed_hosts(SITE_URL))
CSRF_TRUSTED_ORIGINS = env_list("COPHUB_CSRF_TRUSTED_ORIGINS")
SITE_NAME = env("COPHUB_SITE_NAME", "cophub")
# Wiring, not configuration: the function that builds a person's access-policy viewer (the
# app that owns roles and memberships provides it; `core.access.viewer_for_user` calls it).
COPHUB_VIEWER_BUILDER = "cophub.communities.selectors.viewer_for"

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "django_tasks",
    "django_tasks_db",
    "csp",
    "cophub.core",
    "cophub.accounts",
    "cophub.communities",
    "cophub.events",
    "cophub.learning",
    "cophub.library",
    "cophub.usecases",
    "cophub.lists",
    "cophub.forum",
    "cophub.surveys",
    "cophub.search",  # last: it reads every other app's `searchable` module
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "cophub.core.middleware.ViewerMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "cophub.accounts.middleware.SessionTimeoutMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "cophub.config.urls"
WSGI_APPLICATION = "cophub.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "cophub.core.context_processors.site",
                "cophub.communities.context_processors.nav",
            ],
        },
    },
]

# --- Database --------------------------------------------------------------------------
if env("DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("DATABASE_URL"), conn_max_age=60)}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": DATA_DIR / "cophub.sqlite3",
            # WAL lets readers and one writer work at once; IMMEDIATE transactions take the
            # write lock up front so two writers queue instead of failing with "locked".
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
                    "PRAGMA busy_timeout=20000; PRAGMA foreign_keys=ON;"
                ),
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache -----------------------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cophub",
            "OPTIONS": {"SOCKET_CONNECT_TIMEOUT": 2, "SOCKET_TIMEOUT": 5},  # fail fast
        }
    }
else:
    # A database cache is shared by every process on one machine (rate limits must be),
    # which a per-process memory cache is not.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "cophub_cache",
        }
    }

# --- Tasks -----------------------------------------------------------------------------
if REDIS_URL:
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    # A connect time-out so an unreachable Redis fails fast instead of hanging requests and
    # /healthz (no read time-out: the worker's blocking dequeue must be allowed to wait).
    _sep = "&" if "?" in REDIS_URL else "?"
    RQ_QUEUES = {"default": {"URL": f"{REDIS_URL}{_sep}socket_connect_timeout=2",
                             "DEFAULT_TIMEOUT": 600}}
    RQ = {"JOB_CLASS": "django_tasks_rq.Job"}
    INSTALLED_APPS.append("django_rq")
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

# --- E-mail ----------------------------------------------------------------------------
DEFAULT_FROM_EMAIL = env("COPHUB_FROM_EMAIL", "cophub <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
MAIL_DIR = DATA_DIR / "mail"


def _email_settings(url: str) -> dict:
    """EMAIL_URL: smtp://user:pass@host:port, smtps:// (TLS), or submission:// (STARTTLS)."""
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    return {
        "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
        "EMAIL_HOST": parts.hostname or "localhost",
        "EMAIL_PORT": parts.port or {"smtps": 465, "submission": 587}.get(parts.scheme, 25),
        "EMAIL_HOST_USER": unquote(parts.username or ""),
        "EMAIL_HOST_PASSWORD": unquote(parts.password or ""),
        "EMAIL_USE_SSL": parts.scheme == "smtps",
        "EMAIL_USE_TLS": parts.scheme == "submission" or "starttls" in query,
        "EMAIL_TIMEOUT": 30,
    }


if env("EMAIL_URL"):
    globals().update(_email_settings(env("EMAIL_URL")))
else:
    # One .eml file per message under var/mail/, so a person (and a test) reads what was sent.
    EMAIL_BACKEND = "cophub.core.mail_backends.EmlFileBackend"

# --- Auth and accounts -----------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"

# NIST SP 800-63B: length over composition, a check against common passwords, no forced
# rotation and no character-class rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "cophub.accounts.passwords.MaximumLengthValidator"},
]

ACCOUNT_ADAPTER = "cophub.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_FORMS = {"signup": "cophub.accounts.forms.SignupForm"}  # asks for the name too
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_EMAIL_VERIFICATION_BY_CODE_ENABLED = False
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if SITE_URL.startswith("https") else "http"
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    # cophub's own (accounts.adapter, ADR 0008): per address and network together, tighter
    # than the per-address limit above; and per device for browsers that signed in before.
    "login_failed_network": "3/5m/key",
    "login_failed_device": "5/5m/key",
    "signup": "20/m/ip",
    "confirm_email": "1/3m/key",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = SITE_URL.startswith("http://")

# --- Sessions and security headers -----------------------------------------------------
SESSION_COOKIE_AGE = int(env("COPHUB_SESSION_ABSOLUTE_SECONDS", str(12 * 3600)))
COPHUB_SESSION_IDLE_SECONDS = int(env("COPHUB_SESSION_IDLE_SECONDS", str(30 * 60)))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

# --- Static and media ------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
MEDIA_ROOT = DATA_DIR / "media"
MEDIA_URL = "/media/"
WHITENOISE_USE_FINDERS = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# S3-compatible object storage for uploads (the `s3` extra: django-storages with boto3).
# Files are never public: the bucket is private and cophub streams each file after its
# access check, so no storage URL is ever handed out.
if env("COPHUB_S3_BUCKET"):
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": env("COPHUB_S3_BUCKET"),
            "endpoint_url": env("COPHUB_S3_ENDPOINT_URL") or None,
            "region_name": env("COPHUB_S3_REGION") or None,
            "access_key": env("COPHUB_S3_ACCESS_KEY_ID") or None,
            "secret_key": env("COPHUB_S3_SECRET_ACCESS_KEY") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "file_overwrite": False,
        },
    }

# --- Internationalisation --------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "America/New_York"
USE_I18N = True
USE_TZ = True

# --- cophub ----------------------------------------------------------------------------
# Path or URL of CISA's .gov registry that `cophub demo` loads when the registry is empty.
REPO_DIR = PACKAGE_DIR.parent.parent
COPHUB_DOTGOV_CSV = env(
    "COPHUB_DOTGOV_CSV", str(REPO_DIR.parent / "shared/data/dotgov/current-full.csv")
)

# Path or URL of OMB's 2025 AI Use Case Inventory (individually reported use cases) that
# `cophub demo` imports; the demo skips the inventory when it is not there.
COPHUB_USECASES_CSV = env(
    "COPHUB_USECASES_CSV",
    str(REPO_DIR.parent / "shared/data/ai-use-case-inventory-2025/"
        "2025_individually_reported_AI_use_cases.csv"),
)

# Uploads (library resources, event materials): the largest file accepted, in megabytes.
COPHUB_UPLOAD_MAX_MB = int(env("COPHUB_UPLOAD_MAX_MB", "100"))

# Search. Embeddings: "local" (all-MiniLM-L6-v2 from the `semantic` extra, loaded offline),
# "openai" (an OpenAI-compatible /v1/embeddings endpoint), or "none" (lexical search only).
# Empty means "local" when the `semantic` extra is installed, else "none".
COPHUB_SEARCH_EMBEDDINGS = env("COPHUB_SEARCH_EMBEDDINGS")
COPHUB_EMBEDDINGS_URL = env("COPHUB_EMBEDDINGS_URL")  # e.g. http://127.0.0.1:8080/v1
COPHUB_EMBEDDINGS_MODEL = env("COPHUB_EMBEDDINGS_MODEL", "all-MiniLM-L6-v2")
COPHUB_EMBEDDINGS_API_KEY = env("COPHUB_EMBEDDINGS_API_KEY")

# Mailing lists. Addresses are <list>@COPHUB_LIST_DOMAIN (and -request, -join, -leave,
# -owner, -bounces); the inbound mail server accepts mail for those only.
COPHUB_LIST_DOMAIN = env("COPHUB_LIST_DOMAIN", "lists.localhost").lower()
COPHUB_MAILSERVER_HOST = env("COPHUB_MAILSERVER_HOST", "127.0.0.1")
COPHUB_MAILSERVER_PORT = int(env("COPHUB_MAILSERVER_PORT", "2525"))
# "smtp" (default), or "lmtp" behind Postfix in production.
COPHUB_MAILSERVER_PROTOCOL = env("COPHUB_MAILSERVER_PROTOCOL", "smtp").lower()
# The authserv-id (RFC 8601) our own MTA stamps on Authentication-Results (OpenDKIM/OpenDMARC
# or rspamd behind Postfix): only headers carrying it are trusted. Empty: cophub checks DKIM.
COPHUB_AUTHSERV_ID = env("COPHUB_AUTHSERV_ID", "")
# The largest inbound message accepted, in megabytes (larger: refused with 552).
COPHUB_INBOUND_MAX_MB = float(env("COPHUB_INBOUND_MAX_MB", "10"))
# Outgoing messages per second per worker; 0 sends as fast as the mail server takes them.
COPHUB_MAIL_RATE = float(env("COPHUB_MAIL_RATE", "0"))
# SMTP connections each worker sends bulk (list) mail over, in parallel.
COPHUB_MAIL_CONNECTIONS = int(env("COPHUB_MAIL_CONNECTIONS", "4"))
# A worker killed after the mail server had a whole message but before its reply: "sent"
# (the default: never a second copy) or "resend" (never a lost one). See core/mail/journal.py.
COPHUB_MAIL_UNCONFIRMED = env("COPHUB_MAIL_UNCONFIRMED", "sent")
# Bounce score at which a subscription's delivery is disabled (hard bounce 1, soft 0.5),
# and the days after which an old score no longer counts.
# The forum: how long a notification's personal reply address works, and posting limits
# per person per 10 minutes (new accounts: less than a week old).
COPHUB_REPLY_TOKEN_DAYS = int(env("COPHUB_REPLY_TOKEN_DAYS", "180"))
COPHUB_FORUM_POSTS_PER_10_MIN = int(env("COPHUB_FORUM_POSTS_PER_10_MIN", "20"))
COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN = int(
    env("COPHUB_FORUM_NEW_ACCOUNT_POSTS_PER_10_MIN", "5"))
COPHUB_BOUNCE_THRESHOLD = float(env("COPHUB_BOUNCE_THRESHOLD", "5"))
COPHUB_BOUNCE_STALE_DAYS = int(env("COPHUB_BOUNCE_STALE_DAYS", "7"))
COPHUB_GOV_RECONFIRM_DAYS = int(env("COPHUB_GOV_RECONFIRM_DAYS", "365"))  # yearly check
COPHUB_GOV_RECONFIRM_GRACE_DAYS = int(env("COPHUB_GOV_RECONFIRM_GRACE_DAYS", "30"))  # deadline

# The deployment's identity: who runs it (the USWDS identifier in every page's footer) and
# the links a federal site carries there. The defaults describe the demo (the AI CoP, run
# by GSA); an operator sets their own. COPHUB_HOME_COMMUNITY is the community the header's
# Events and Training lead to (default: the first community).
COPHUB_AGENCY_NAME = env("COPHUB_AGENCY_NAME", "U.S. General Services Administration")
COPHUB_AGENCY_SHORT_NAME = env("COPHUB_AGENCY_SHORT_NAME", "GSA")
COPHUB_AGENCY_URL = env("COPHUB_AGENCY_URL", "https://www.gsa.gov/")
COPHUB_HOME_COMMUNITY = env("COPHUB_HOME_COMMUNITY", "")
COPHUB_FOOTER_LINKS = [
    (label, env(f"COPHUB_{key}_URL", default)) for key, label, default in (
        ("ABOUT", "About", "https://www.gsa.gov/about-us"),
        ("ACCESSIBILITY", "Accessibility statement",
         "https://www.gsa.gov/website-information/accessibility-statement"),
        ("FOIA", "FOIA requests",
         "https://www.gsa.gov/reference/freedom-of-information-act-foia"),
        ("NO_FEAR", "No FEAR Act data",
         "https://www.gsa.gov/reference/civil-rights-programs/no-fear-act"),
        ("OIG", "Office of the Inspector General", "https://www.gsaig.gov/"),
        ("PERFORMANCE", "Performance reports",
         "https://www.gsa.gov/reference/reports/budget-performance"),
        ("PRIVACY", "Privacy policy",
         "https://www.gsa.gov/website-information/privacy-and-security-notice"),
    ) if env(f"COPHUB_{key}_URL", default)
]

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("COPHUB_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
