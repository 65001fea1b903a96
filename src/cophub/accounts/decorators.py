"""Gates for pages that need more than a signed-in person: MFA, a government member, and the
one gate for management pages (`manage_page`, asking `core.access.can_manage`)."""

import inspect
from functools import wraps

from allauth.mfa.utils import is_mfa_enabled
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect

from cophub.core.access import CREATE, MANAGE, ORGANIZE, SITE, can_manage


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


REFUSALS = {
    MANAGE: "Only the community's organizers and the leads of the group it belongs to can "
            "see this page.",
    ORGANIZE: "Only this community's organizers can see this page.",
    "site": "Only site operators can see this page.",
    CREATE: "Only this community's organizers and group leads can see this page.",
}


def manage_page(load, *, action: str = MANAGE):
    """The one gate for management pages. `load(request, **url_kwargs)` takes the URL
    arguments it names and returns the objects the view receives after `request`, as a tuple
    whose last item is the thing managed (a bare object is the thing managed alone, passed to
    no one: `core.access.SITE` for site-level pages); it raises Http404 for what the person
    may not see. The URL arguments it does not name reach the view unchanged. Then: a
    visitor is sent to sign in, anyone else who may not manage the thing
    (`core.access.can_manage` with `action`) gets 403, and the page needs MFA.

    The wrapper carries `manage_action`, and the request `manage_target`, so the test that
    walks every URL can check each management page against `can_manage`."""

    load_names = set(inspect.signature(load).parameters) - {"request"}

    def decorate(view):
        @wraps(view)
        def wrapper(request, **kwargs):
            rest = {name: kwargs.pop(name) for name in list(kwargs) if name not in load_names}
            objects = load(request, **kwargs)
            if not isinstance(objects, tuple):
                objects, target = (), objects
            else:
                target = objects[-1]
            request.manage_target = target
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not can_manage(request.viewer, target, action=action):
                raise PermissionDenied(REFUSALS["site" if target is SITE else action])
            return mfa_required(view)(request, *objects, **rest)

        wrapper.manage_action = action
        return wrapper

    return decorate


def load_site(request):
    return SITE


operator_required = manage_page(load_site)
"""Site-level pages (domain rules, the site-wide audit log): the site's operators."""
