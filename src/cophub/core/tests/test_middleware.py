"""`request.viewer`: built lazily, at most once per request, by the configured builder."""

from types import SimpleNamespace

from django.http import HttpResponse
from django.test import RequestFactory

from cophub.core.access import ANONYMOUS, Viewer
from cophub.core.middleware import ViewerMiddleware

BUILT: list[object] = []


def build(user) -> Viewer:
    BUILT.append(user)
    return Viewer(user_id=user.pk, is_government=True)


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    return request


def test_viewer_is_built_once_and_only_when_a_page_asks(settings):
    settings.COPHUB_VIEWER_BUILDER = f"{__name__}.build"
    BUILT.clear()
    person = SimpleNamespace(pk=7, is_authenticated=True)
    seen = []

    def page(request):
        seen.append((request.viewer.user_id, request.viewer.is_government,
                     request.viewer.is_organizer(1)))
        return HttpResponse()

    ViewerMiddleware(page)(_request(person))
    assert seen == [(7, True, False)]
    assert BUILT == [person]  # three reads, one build

    BUILT.clear()
    ViewerMiddleware(lambda request: HttpResponse())(_request(person))
    assert BUILT == []  # a page that never asks builds nothing


def test_a_visitor_is_anonymous_without_the_builder(settings):
    settings.COPHUB_VIEWER_BUILDER = f"{__name__}.build"
    BUILT.clear()
    seen = []
    visitor = SimpleNamespace(pk=None, is_authenticated=False)
    ViewerMiddleware(lambda request: seen.append(request.viewer) or HttpResponse())(
        _request(visitor))
    assert seen == [ANONYMOUS]
    assert BUILT == []
