"""The banner and header are rendered once per process and audience (`{% site_header %}`):
each audience still gets its own links, and each person their own CSRF token."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cophub.core.templatetags import cophub as tags

PAGE = "/library/"


def _header(response) -> str:
    html = response.content.decode()
    start = html.index('<a class="usa-skipnav"')
    return html[start:html.index('<main id="main-content"', start)]


def _sign_out_token(header: str) -> str:
    form = header[header.index(reverse("account_logout")):]
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form).group(1)


@pytest.fixture(autouse=True)
def _fresh_memo():
    tags._site_header.cache_clear()


@pytest.mark.django_db
def test_each_audience_gets_its_own_header(client, gov_member, public_user, make_user):
    staff = make_user("operator@gsa.gov", staff=True)
    anonymous = _header(client.get(PAGE))
    assert "Sign in" in anonymous and "My account" not in anonymous

    headers = {}
    for person in (gov_member, public_user, staff):
        browser = Client()
        browser.force_login(person)
        headers[person.email] = _header(browser.get(PAGE))
    directory = reverse("accounts:directory")
    operator = reverse("accounts:domain_rules")
    assert directory in headers[gov_member.email] and operator not in headers[gov_member.email]
    assert directory not in headers[public_user.email]
    assert operator in headers[staff.email] and directory in headers[staff.email]
    assert all("Sign in" not in header for header in headers.values())


@pytest.mark.django_db
def test_the_sign_out_form_carries_the_persons_own_token(make_user):
    first, second = make_user("one@va.gov"), make_user("two@va.gov")
    tokens = []
    for person in (first, second):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(person)
        header = _header(browser.get(PAGE))
        token = _sign_out_token(header)
        assert token != tags.SITE_HEADER_CSRF_MARK
        tokens.append(token)
        # The token in the header signs the person out: it is theirs.
        response = browser.post(reverse("account_logout"), {"csrfmiddlewaretoken": token})
        assert response.status_code == 302
        assert "_auth_user_id" not in browser.session
    assert tokens[0] != tokens[1]


@pytest.mark.django_db
def test_what_the_header_is_built_from_is_part_of_its_key(client, settings):
    settings.SITE_NAME = "First name"
    assert "First name" in _header(client.get(PAGE))
    settings.SITE_NAME = "Second name"
    assert "Second name" in _header(client.get(PAGE))
    assert tags._site_header.cache_info().currsize == 2


@pytest.mark.django_db
def test_with_debug_on_the_header_is_rendered_every_time(client, settings):
    settings.DEBUG = True
    client.get(PAGE)
    assert tags._site_header.cache_info().currsize == 0
