"""The ceiling for bench/pages.py: Django with nothing in it but one view.

No apps, no middleware, no database, no templates: what a request costs in this Python,
Django and gunicorn before cophub adds anything.
"""

SECRET_KEY = "bench-hello-not-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "hello.urls"
INSTALLED_APPS: list[str] = []
MIDDLEWARE: list[str] = []
DATABASES: dict = {}
USE_TZ = True
