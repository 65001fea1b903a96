"""Security headers, production settings and the health check from the outside."""

import os
import subprocess
import sys

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def test_pages_send_a_strict_content_security_policy(client):
    response = client.get(reverse("home"))
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_check_deploy_passes_with_production_settings(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cophub.config.settings.production",
           "COPHUB_SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
           "COPHUB_ALLOWED_HOSTS": "cop.example.gov", "COPHUB_SITE_URL": "https://cop.example.gov",
           "COPHUB_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cophub", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_settings_refuse_a_plain_http_site_url(tmp_path):
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cophub.config.settings.production",
           "COPHUB_SECRET_KEY": "x" * 64 + "-production-like-secret-key-for-the-check",
           "COPHUB_ALLOWED_HOSTS": "cop.example.gov", "COPHUB_SITE_URL": "http://cop.example.gov",
           "COPHUB_DATA_DIR": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    result = subprocess.run([sys.executable, "-m", "cophub", "check"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "COPHUB_SITE_URL must be an https:// address" in result.stderr
