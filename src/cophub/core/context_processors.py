from django.conf import settings


def site(request):
    return {
        "SITE_NAME": settings.SITE_NAME,
        "AGENCY_NAME": settings.COPHUB_AGENCY_NAME,
        "AGENCY_SHORT_NAME": settings.COPHUB_AGENCY_SHORT_NAME,
        "AGENCY_URL": settings.COPHUB_AGENCY_URL,
        "FOOTER_LINKS": settings.COPHUB_FOOTER_LINKS,
    }
