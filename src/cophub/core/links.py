"""Absolute links for e-mail, feeds and invitations (which leave the site), and the check
that the site URL they are built from is the address people actually use."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

DEFAULT_PORTS = {"http": 80, "https": 443}


def site_url(path: str) -> str:
    """`path` (a reversed URL or `get_absolute_url()`) as an absolute URL under
    `COPHUB_SITE_URL`."""
    return settings.SITE_URL.rstrip("/") + "/" + path.lstrip("/")


def served_site_url(*, host: str, port: int) -> str:
    """The site URL for a server listening on `host`:`port`, for when none is configured:
    `http://127.0.0.1:8001` for `--host 127.0.0.1 --port 8001`. A wildcard address (listen
    everywhere) names no host anyone browses to, so it becomes the loopback address; the
    site URL check then shows the address requests really arrive on."""
    host = host.strip().strip("[]")
    if host in ("", "0.0.0.0"):  # noqa: S104 — a name to recognise, not to bind
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def _host_and_port(netloc: str, scheme: str) -> tuple[str, int | None]:
    """("cop.example.gov", 443) from "COP.example.gov" over https; ("::1", 8000) from
    "[::1]:8000". A port that is not a number gives None."""
    parts = urlsplit(f"//{netloc}")
    try:
        port = parts.port
    except ValueError:
        return (parts.hostname or "").lower(), None
    return (parts.hostname or "").lower(), port or DEFAULT_PORTS.get(scheme)


@dataclass(frozen=True)
class SiteUrlCheck:
    """Whether `COPHUB_SITE_URL` names the host and port a request arrived on. Links in
    e-mail, invitations and feeds are built from the site URL, so when they differ those
    links lead somewhere else (another port, a name nobody can reach)."""

    site_url: str  # as configured
    request_host: str  # the request's Host, as the browser sent it
    matches: bool
    suggested: str  # the site URL the request suggests (its scheme and Host)


def site_url_check(request) -> SiteUrlCheck:
    """Compare the configured site URL's host and port with `request`'s Host. A port left
    out on either side is the site URL's scheme's default; the request's own scheme is not
    compared (a proxy in front may speak HTTPS to browsers and HTTP to cophub), nor is the
    path (a site under `/hub` is reached at that path)."""
    configured = urlsplit(settings.SITE_URL)
    host = request.get_host()
    matches = (_host_and_port(configured.netloc, configured.scheme)
               == _host_and_port(host, configured.scheme))
    return SiteUrlCheck(site_url=settings.SITE_URL, request_host=host, matches=matches,
                        suggested=f"{request.scheme}://{host}")
