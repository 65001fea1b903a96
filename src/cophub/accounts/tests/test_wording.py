"""allauth's pages in the site's voice (accounts/locale/en): sentence case, "e-mail", plain
words; and the compiled catalog says what its source says."""

import ast
import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils.translation import gettext, pgettext

pytestmark = pytest.mark.django_db

CATALOG = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"

# Words that keep their capital inside a sentence.
PROPER = {"AI", "CoP", "Login.gov", "TOTP", "QR", "I", "PIN", "USWDS", "MFA"}


def catalog_entries() -> list[tuple[str | None, str, str]]:
    """(context, msgid, msgstr) of every entry of the source catalog but its header."""
    entries, entry, key = [], {}, None
    for line in [*CATALOG.read_text().splitlines(), ""]:
        if line.startswith(("msgctxt ", "msgid ", "msgstr ")):
            key, _, literal = line.partition(" ")
            entry[key] = ast.literal_eval(literal)
        elif line.startswith('"') and key:
            entry[key] += ast.literal_eval(line)
        elif not line.strip() and entry:
            if entry.get("msgid"):
                entries.append((entry.get("msgctxt"), entry["msgid"], entry["msgstr"]))
            entry, key = {}, None
    return entries


def test_the_compiled_catalog_says_what_its_source_says():
    entries = catalog_entries()
    assert len(entries) > 100
    stale = [msgid for context, msgid, msgstr in entries
             if (pgettext(context, msgid) if context else gettext(msgid)) != msgstr]
    assert not stale, ("accounts/locale/en/LC_MESSAGES/django.mo is out of date; run "
                       f"msgfmt -o django.mo django.po there. Stale: {stale[:5]}")


def test_the_catalog_writes_e_mail_and_sentence_case():
    for _context, msgid, msgstr in catalog_entries():
        text = re.sub(r"%\(\w+\)s|\{\w+\}|<[^>]+>|https?://\S+", "", msgstr)
        assert not re.search(r"(?<![-\w])[Ee]mails?\b", text), msgstr
        if len(msgid) < 40:  # a heading, label or button
            words = text.split()
            capitalized = [w for w in words[1:]
                           if w[:1].isupper() and w.strip(".,:;?!()") not in PROPER]
            assert not capitalized, msgstr


def headings_and_controls(html: str) -> list[str]:
    found = re.findall(r"<(h1|h2|h3|button|label|legend)\b[^>]*>(.*?)</\1>", html, re.S)
    found += [("title", t) for t in re.findall(r"<title>(.*?)</title>", html, re.S)]
    texts = []
    for _tag, inner in found:
        inner = re.sub(r"<span class=\"usa-tag[^>]*>.*?</span>", " ", inner, flags=re.S)  # badges
        text = " ".join(re.sub(r"<[^>]+>", " ", inner).split())
        text = text.split(" · ")[0].rstrip(" *")  # the title's site name, a label's asterisk
        if text:
            texts.append(text)
    return texts


def title_case_words(text: str) -> list[str]:
    words = text.split()
    return [w for w in words[1:] if w[:1].isupper() and w.strip(".,:;?!()*") not in PROPER]


@pytest.mark.parametrize("url_name,signed_in", [
    ("account_login", False), ("account_signup", False), ("account_reset_password", False),
    ("account_reset_password_done", False), ("account_email_verification_sent", False),
    ("account_logout", True), ("account_email", True), ("account_change_password", True),
    ("mfa_index", True), ("account_reauthenticate", True),
])
def test_allauth_pages_speak_in_sentence_case_and_write_e_mail(client, make_user, url_name,
                                                                signed_in):
    if signed_in:  # through the form, so that allauth counts it as a recent sign-in
        make_user("nova@gsa.gov", name="Nova Person", password="a long test passphrase")
        client.post(reverse("account_login"), {"login": "nova@gsa.gov",
                                               "password": "a long test passphrase"})
    response = client.get(reverse(url_name))
    assert response.status_code == 200
    html = response.content.decode()
    texts = headings_and_controls(html)
    assert texts, "the page should have headings and controls"
    wrong = {text: title_case_words(text) for text in texts if title_case_words(text)}
    assert not wrong, f"Title Case on {url_name}: {wrong}"
    visible = re.sub(r"<(script|style)\b.*?</\1>|<[^>]+>", " ", html, flags=re.S)
    assert not re.search(r"(?<![-\w@./])[Ee]mails?\b(?![-@.\w])", visible), (
        f'{url_name} writes "email"; the site writes "e-mail"')
