"""Every page describes itself for search engines and link previews (a `meta description`,
Lighthouse's SEO audit): the site's by default, a page's own where it has one."""

import re

import pytest

pytestmark = pytest.mark.django_db

META = re.compile(r'<meta name="description" content="([^"]+)">')


def test_the_home_page_has_a_description(client):
    found = META.search(client.get("/").content.decode())
    assert found and "community of practice" in found.group(1)
