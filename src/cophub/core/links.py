"""Absolute links for e-mail, feeds and invitations (which leave the site)."""

from django.conf import settings


def site_url(path: str) -> str:
    """`path` (a reversed URL or `get_absolute_url()`) as an absolute URL under
    `COPHUB_SITE_URL`."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")
