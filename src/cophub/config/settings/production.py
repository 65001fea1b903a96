"""Production overrides: HTTPS only, secure cookies, HSTS, hashed static files.

Use with `DJANGO_SETTINGS_MODULE=cophub.config.settings.production`; the operator sets
`COPHUB_SECRET_KEY`, `COPHUB_ALLOWED_HOSTS` and `COPHUB_SITE_URL` (https://…).
"""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F401,F403
from .base import CONTENT_SECURITY_POLICY, SITE_URL, env, env_bool

# Links in e-mail, calendar invites and feeds are built from the site URL: over plain HTTP
# they would send sign-in and one-click unsubscribe tokens in the clear.
if not SITE_URL.startswith("https://"):
    raise ImproperlyConfigured(
        f"COPHUB_SITE_URL must be an https:// address in production (it is {SITE_URL!r}).")

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("COPHUB_SSL_REDIRECT", True)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_HSTS_SECONDS = int(env("COPHUB_HSTS_SECONDS", str(365 * 24 * 3600)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {**CONTENT_SECURITY_POLICY["DIRECTIVES"], "upgrade-insecure-requests": True}
}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
