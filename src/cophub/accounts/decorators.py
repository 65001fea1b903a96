"""Gates for pages that need more than a signed-in person."""

from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect


def mfa_required(view):
    """Organizer and operator pages: the person must have enabled MFA (TOTP or passkey)."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not is_mfa_enabled(request.user):
            messages.warning(request, "Organizer and operator pages need two-factor "
                             "authentication. Set up an authenticator app or a passkey first.")
            return redirect("mfa_index")
        return view(request, *args, **kwargs)

    return wrapper


def government_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_government:
            raise PermissionDenied("Only government members can see this page.")
        return view(request, *args, **kwargs)

    return wrapper


def operator_required(view):
    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not request.user.is_staff:
            raise PermissionDenied("Only site operators can see this page.")
        return mfa_required(view)(request, *args, **kwargs)

    return wrapper
