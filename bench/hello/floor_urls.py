from django.http import HttpResponse
from django.urls import path


def floor(request):
    state = "signed in" if request.user.is_authenticated else "anonymous"
    return HttpResponse(f"Hello, {state}.\n", content_type="text/plain")


urlpatterns = [path("", floor)]
