"""Request middleware: the access-policy viewer, built at most once per request."""

from django.utils.functional import SimpleLazyObject

from .access import viewer_for_user


class ViewerMiddleware:
    """Sets `request.viewer` (a `core.access.Viewer`), built on first use: one query for a
    signed-in person, none for a visitor or a page that never asks."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.viewer = SimpleLazyObject(
            lambda: viewer_for_user(getattr(request, "user", None)))
        return self.get_response(request)
