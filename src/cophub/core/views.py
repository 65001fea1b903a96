from django.shortcuts import render


def error_403(request, exception=None):
    # The reason a view gives ("Only government members can see this page.") is for people.
    reason = str(exception) if exception and str(exception) else ""
    return render(request, "403.html", {"exception": reason}, status=403)


def error_404(request, exception=None):
    return render(request, "404.html", status=404)
