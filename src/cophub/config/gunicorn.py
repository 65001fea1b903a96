"""gunicorn settings for `cophub serve` (`-c python:cophub.config.gunicorn`).

gunicorn writes `Server: gunicorn` into every response and has no setting to leave it out
(its issue #825 was closed as won't-fix), and a header set by Django cannot replace it: the
server writes its own before the application's. Naming the server software tells a scanner
what to try, so this module, loaded by the master before any worker starts, drops that one
line from the headers gunicorn writes. Kept to the smallest change: the other default
headers (Date, Connection) are gunicorn's own.
"""

from gunicorn.http import wsgi

_default_headers = wsgi.Response.default_headers


def _default_headers_without_server(self) -> list[str]:
    return [line for line in _default_headers(self) if not line.lower().startswith("server:")]


wsgi.Response.default_headers = _default_headers_without_server
