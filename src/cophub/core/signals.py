"""Signals core sends for other apps to hook into without core knowing them."""

from django.dispatch import Signal

# Sent by `cophub worker` once, before it takes tasks (and, with RQ, before it forks a work
# horse per task): an app loads what its tasks need up front, so the first task after a
# start does not pay for it. Receivers must not raise; the worker logs and goes on if they do.
worker_starting = Signal()

# Sent by the WSGI module once per web process, after Django is set up and before the
# first request: an app starts loading what its pages need (in a thread of its own, so
# the process answers at once). Receivers must not raise.
web_starting = Signal()
