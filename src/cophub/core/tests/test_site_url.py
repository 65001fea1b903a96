"""The site URL that links in e-mail, invitations and feeds start with: `cophub serve` makes
it the address it serves unless the operator set one, and `/healthz` and the organizers'
dashboard say when it is not the address the site is used at."""

import io
import os
import subprocess
import sys
from unittest import mock

import pytest
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from cophub.core.links import served_site_url, site_url_check
from cophub.core.management.commands import serve


def serve_env(**options) -> tuple[dict, str]:
    """Run `cophub serve` up to starting its children; the environment they get, and what
    serve printed."""
    out = io.StringIO()
    with mock.patch.object(serve, "call_command"), \
            mock.patch.object(serve.Command, "_supervise", return_value=0) as supervise:
        call_command("serve", stdout=out, **options)
    return supervise.call_args.kwargs["env"], out.getvalue()


def test_serve_gives_its_children_the_address_it_serves_as_site_url(monkeypatch):
    monkeypatch.delenv("COPHUB_SITE_URL", raising=False)

    env, printed = serve_env(port=8001)

    assert env["COPHUB_SITE_URL"] == "http://127.0.0.1:8001"
    assert "http://127.0.0.1:8001" in printed
    assert "COPHUB_SITE_URL" not in os.environ  # serve's own environment is left alone


def test_serve_keeps_the_site_url_the_operator_configured(monkeypatch):
    monkeypatch.setenv("COPHUB_SITE_URL", "https://cop.example.gov")

    env, _ = serve_env(host="0.0.0.0", port=8001)

    assert env["COPHUB_SITE_URL"] == "https://cop.example.gov"


def test_serve_starts_its_children_with_that_environment(monkeypatch):
    monkeypatch.delenv("COPHUB_SITE_URL", raising=False)
    started = []

    class Popen:
        def __init__(self, argv, *, env, process_group):
            started.append(env["COPHUB_SITE_URL"])
            self.returncode = 0

        def poll(self):
            return 0  # exits at once: serve stops the set

        def wait(self, timeout=None):
            return 0

    with mock.patch.object(serve, "call_command"), \
            mock.patch.object(serve.subprocess, "Popen", Popen), \
            mock.patch.object(serve, "load_processes", return_value={}), \
            pytest.raises(Exception, match="exit code"):
        call_command("serve", port=8002)

    assert started == ["http://127.0.0.1:8002"] * 2  # the web server and the worker


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 8000, "http://127.0.0.1:8000"),
    ("cop.internal", 8080, "http://cop.internal:8080"),
    ("0.0.0.0", 8001, "http://127.0.0.1:8001"),  # everywhere: no host to name
    ("::", 8001, "http://[::1]:8001"),
    ("::1", 8001, "http://[::1]:8001"),
    ("[::1]", 8001, "http://[::1]:8001"),
])
def test_the_served_address_as_a_site_url(host, port, expected):
    assert served_site_url(host=host, port=port) == expected


def test_the_settings_read_the_site_url_and_allow_its_host(tmp_path):
    """A child started by serve reads the site URL from its environment, and answers on
    that host without COPHUB_ALLOWED_HOSTS."""
    env = {**os.environ, "COPHUB_SITE_URL": "http://10.0.0.5:8001",
           "COPHUB_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "cophub.config.settings"}
    env.pop("COPHUB_ALLOWED_HOSTS", None)
    result = subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); "
         "from django.conf import settings; print(settings.SITE_URL, settings.ALLOWED_HOSTS)"],
        env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "http://10.0.0.5:8001 ['127.0.0.1', 'localhost', '[::1]', '10.0.0.5']")


@pytest.mark.parametrize(("site_url", "host", "secure", "matches"), [
    ("http://127.0.0.1:8000", "127.0.0.1:8000", False, True),
    ("http://127.0.0.1:8000", "127.0.0.1:8001", False, False),  # make run PORT=8001
    ("http://127.0.0.1:8000", "localhost:8000", False, False),
    ("https://cop.example.gov", "cop.example.gov", True, True),
    ("https://cop.example.gov", "COP.example.gov:443", True, True),
    ("https://cop.example.gov/hub", "cop.example.gov", True, True),  # paths not compared
    ("https://cop.example.gov", "cop.example.gov", False, True),  # TLS ended at a proxy
    ("https://cop.example.gov", "cop-staging.example.gov", True, False),
    ("http://[::1]:8000", "[::1]:8000", False, True),
])
def test_the_site_url_check_compares_host_and_port(settings, site_url, host, secure,
                                                   matches):
    settings.SITE_URL = site_url
    settings.ALLOWED_HOSTS = ["*"]
    request = RequestFactory().get("/", HTTP_HOST=host, secure=secure)

    check = site_url_check(request)

    assert check.matches is matches
    assert check.request_host == host and check.site_url == site_url


@pytest.mark.django_db
def test_healthz_says_when_the_site_url_is_not_the_address_used(client, settings):
    settings.SITE_URL = "http://127.0.0.1:8000"

    wrong = client.get(reverse("healthz"), HTTP_HOST="127.0.0.1:8001")
    right = client.get(reverse("healthz"), HTTP_HOST="127.0.0.1:8000")

    assert wrong.status_code == 200  # a probe by another name must not fail the check
    assert wrong.json()["site"] == {"url": "http://127.0.0.1:8000",
                                    "request_host": "127.0.0.1:8001", "matches": False}
    assert right.json()["site"]["matches"] is True


def test_the_dashboard_alert_shows_only_when_the_site_url_is_wrong(settings):
    settings.SITE_URL = "http://127.0.0.1:8000"
    wrong = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8001")
    right = RequestFactory().get("/", HTTP_HOST="127.0.0.1:8000")

    alert = render_to_string("components/site_url_check.html", request=wrong)
    quiet = render_to_string("components/site_url_check.html", request=right)

    assert "usa-alert--warning" in alert
    assert "http://127.0.0.1:8000" in alert and "http://127.0.0.1:8001" in alert
    assert "COPHUB_SITE_URL" in alert
    assert quiet.strip() == ""
    assert render_to_string("components/site_url_check.html").strip() == ""  # no request
