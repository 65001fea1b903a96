import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cophub.config.settings")
application = get_wsgi_application()

from cophub.core.signals import web_starting  # noqa: E402  (needs Django set up)

web_starting.send_robust(sender=None)
