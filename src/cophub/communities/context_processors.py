"""The community the header's Events and Training lead to."""

import time

from django.conf import settings

from .models import Community

_MEMO_SECONDS = 60
_memo: tuple[float, str] = (0.0, "")


def home_community_slug() -> str:
    """`COPHUB_HOME_COMMUNITY`, or the first community's slug ("" if there is none). Kept
    in the process for a minute: every page's header asks, and it almost never changes."""
    global _memo
    if settings.COPHUB_HOME_COMMUNITY:
        return settings.COPHUB_HOME_COMMUNITY
    expires, slug = _memo
    if time.monotonic() >= expires:
        slug = Community.objects.order_by("pk").values_list("slug", flat=True).first() or ""
        _memo = (time.monotonic() + _MEMO_SECONDS, slug) if slug else (0.0, "")
    return slug


def nav(request):
    return {"NAV_COMMUNITY": home_community_slug}
