"""The project's URLs (the surveys app's included), for tests that name a URL conf."""

from cophub.config.urls import handler403, handler404, urlpatterns  # noqa: F401
