from django.contrib import admin
from django.urls import include, path

from cophub.communities import views as communities_views
from cophub.core import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("accounts/", include("allauth.urls")),
    path("", include("cophub.accounts.urls")),
    path("", include("cophub.communities.urls")),
    path("", include("cophub.events.urls")),
    path("", include("cophub.learning.urls")),
    path("", include("cophub.forum.urls")),
    path("library/", include("cophub.library.urls")),
    path("use-cases/", include("cophub.usecases.urls")),
    path("lists/", include("cophub.lists.urls")),
    path("newsletters/", include("cophub.lists.newsletter.urls")),
    path("search/", include("cophub.search.urls")),
    path("", include("cophub.surveys.urls")),
    path("", communities_views.home_view, name="home"),
    path("django-admin/", admin.site.urls),
]

handler403 = "cophub.core.views.error_403"
handler404 = "cophub.core.views.error_404"
