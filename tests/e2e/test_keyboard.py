"""A government member signs in and reaches the directory with the keyboard alone."""

import pytest

from .conftest import PASSWORD, is_signed_in

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

MAX_TABS = 40

FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const style = getComputedStyle(el);
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
    text: (el.innerText || el.value || '').trim(), href: el.getAttribute('href') || '',
    outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0,
    shadow: style.boxShadow !== 'none',
  };
}"""


def focused(page) -> dict | None:
    return page.evaluate(FOCUSED)


def tab_to(page, matches, what: str) -> dict:
    """Press Tab until the focused element `matches`; every element on the way must show a
    visible focus indicator (WCAG 2.4.7)."""
    seen = []
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        el = focused(page)
        assert el is not None, f"focus fell off the page after {seen}"
        assert el["outline"] or el["shadow"], f"no visible focus indicator on {el}"
        seen.append(el["text"] or el["name"] or el["tag"])
        if matches(el):
            return el
    raise AssertionError(f"could not reach {what} with Tab; focus went through {seen}")


def test_member_signs_in_and_reaches_the_directory_by_keyboard_only(
        page, assert_accessible, gov_member):
    page.goto("/accounts/login/")
    assert_accessible(page)

    # The skip link is the first thing Tab reaches, and it moves focus to the main content
    page.keyboard.press("Tab")
    first = focused(page)
    assert first is not None and first["href"] == "#main-content", first
    assert first["text"] == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main-content"

    # From the main content, Tab reaches the address field, then the password field
    tab_to(page, lambda el: el["name"] == "login", "the e-mail field")
    page.keyboard.type(gov_member.email)
    tab_to(page, lambda el: el["name"] == "password", "the password field")
    page.keyboard.type(PASSWORD)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert is_signed_in(page), page.url
    assert_accessible(page, "signed-in")

    # Through the primary navigation to the member directory
    tab_to(page, lambda el: el["text"] == "Member directory", "the directory link")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/directory/"), page.url
    assert page.get_by_role("heading", level=1, name="Member directory").is_visible()
    assert_accessible(page)
