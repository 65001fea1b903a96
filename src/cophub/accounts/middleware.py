"""Idle and absolute session time-outs.

Django expires a session a fixed time after it was last *saved*; a government system also
needs an idle limit (30 minutes by default) and an absolute limit counted from sign-in (12
hours), whatever the activity. No maintained library does both without JavaScript, and the
rule is a few lines, so it is written here.
"""

import time

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout

LOGIN_AT = "cophub_login_at"
SEEN_AT = "cophub_seen_at"
# Write the "last seen" stamp at most this often, so every request does not write the session.
SEEN_RESOLUTION = 60


class SessionTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            session = request.session
            login_at = session.get(LOGIN_AT)
            seen_at = session.get(SEEN_AT)
            if login_at is None:
                session[LOGIN_AT] = session[SEEN_AT] = now
            elif (now - login_at > settings.SESSION_COOKIE_AGE
                  or now - (seen_at or login_at) > settings.COPHUB_SESSION_IDLE_SECONDS):
                logout(request)
                messages.info(request, "Your session timed out. Please sign in again.")
            elif now - (seen_at or 0) >= SEEN_RESOLUTION:
                session[SEEN_AT] = now
        return self.get_response(request)
