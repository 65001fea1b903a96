"""One voice on every page: U.S. English and plain words, whatever app wrote the page.

The test walks the whole URL conf over the demo community, as a visitor and as an organizer,
and reads the text a person sees (and hears: aria-label, title, alt) on every page that opens.
It fails on British spellings that crept back ("Enrol", "Cancelled"), on Django's
"---------" as a select's empty choice (the USWDS convention is "- Select -"), on time zones
shown by their identifier ("America/New_York" instead of "Eastern time"), and on a person
shown by a part of their address.
"""

import re
from html.parser import HTMLParser

import pytest
from django import forms

# Reuses the demo world and the URL walk of the access test beside this one.
from test_manage_pages import _request, _signed_in_as, _url, site_pages, world  # noqa: F401

from cophub.communities.models import Group
from cophub.communities.services import group_join
from cophub.conftest import _empty_cache, make_user  # noqa: F401
from cophub.core.forms import Form, ModelForm
from cophub.core.templatetags.cophub import lower_first_filter
from cophub.core.timezones import time_zone_label
from cophub.events.models import Event

pytestmark = pytest.mark.django_db

FORBIDDEN = {
    "British spelling (U.S.: enroll, enrollment)": re.compile(r"\benrol(s|ment|ments)?\b",
                                                             re.IGNORECASE),
    "British spelling (U.S.: canceled, canceling)": re.compile(r"\bcancell(ed|ing)\b",
                                                              re.IGNORECASE),
    "British spelling": re.compile(
        r"\b(organis(e|ed|es|ing|ation|ations|er|ers)|behaviour|colour|licence|catalogue|"
        r"programme|favourite|analyse|recognise)\b", re.IGNORECASE),
    'Django\'s empty choice (use "- Select -" or a label that says what empty means)':
        re.compile(r"-{5,}"),
    'a time zone identifier (use core.timezones.time_zone_label: "Eastern time")':
        re.compile(r"\b(America|Pacific|Europe|Asia|Africa|Atlantic|Australia)/[A-Z]\w+"),
}
SHOWN_ATTRIBUTES = {"aria-label", "title", "alt", "placeholder"}


class _VisibleText(HTMLParser):
    """The text of a page as a person reads or hears it: text outside scripts and styles,
    and the attributes a screen reader speaks."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style", "template"):
            self._hidden += 1
        for name, value in attrs:
            if name in SHOWN_ATTRIBUTES and value:
                self.parts.append(value)

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template") and self._hidden:
            self._hidden -= 1

    def handle_data(self, data):
        if not self._hidden and data.strip():
            self.parts.append(data.strip())


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def problems_in(text: str) -> list[str]:
    found = []
    for reason, pattern in FORBIDDEN.items():
        for match in pattern.finditer(text):
            start = max(0, match.start() - 30)
            found.append(f"{reason}: …{text[start:match.end() + 30]!r}…")
    return found


@pytest.mark.parametrize("text,expected", [
    ("Enrol in the whole series", 1), ("Enrollment", 0), ("You are enrolled", 0),
    ("Cancelled", 1), ("Canceled", 0), ("cancellation", 0),
    ("---------", 1), ("- Select -", 0),
    ("Times are shown in America/New_York.", 1), ("Times are shown in Eastern time.", 0),
    ("The organisation", 1), ("The organization", 0),
])
def test_the_check_catches_what_it_should(text, expected):
    assert len(problems_in(text)) == expected


@pytest.mark.parametrize("zone,label", [
    ("America/New_York", "Eastern time"), ("Pacific/Honolulu", "Hawaii time"),
    ("America/Puerto_Rico", "Atlantic time (Puerto Rico, USVI)"), ("UTC", "UTC"),
    ("Europe/Paris", "Paris time"), ("America/Indiana/Indianapolis", "Indianapolis time"),
    ("", ""),
])
def test_time_zones_are_shown_by_their_name(zone, label):
    assert time_zone_label(zone) == label


@pytest.mark.parametrize("label,inside", [
    ("Events", "events"), ("Library resources", "library resources"),
    ("AI use cases", "AI use cases"), ("", ""),
])
def test_a_label_inside_a_sentence_keeps_its_acronyms(label, inside):
    assert lower_first_filter(label) == inside


def test_a_selects_empty_choice_reads_select_unless_the_form_says_more():
    class EventKindForm(ModelForm):
        class Meta:
            model = Event
            fields = ["kind", "group"]

    class FilterForm(Form):
        level = forms.ChoiceField(required=False, choices=[("", "Any level"), ("a", "A")])

    form = EventKindForm()
    assert list(form.fields["kind"].choices)[0] == ("", "- Select -")
    assert form.fields["group"].empty_label == "- Select -"
    assert "---------" not in str(form["kind"]) + str(form["group"])
    assert list(FilterForm().fields["level"].choices)[0] == ("", "Any level")


EMAIL_ADDRESS = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
NAMELESS = "zyxnameless@va.gov"  # a local part no demo text contains


def address_part_shown(text: str) -> bool:
    """Whether the local part of the nameless person's address stands in `text` outside
    whole addresses (which organizers see beside names)."""
    return NAMELESS.split("@")[0] in EMAIL_ADDRESS.sub(" ", text).lower()


def test_every_page_speaks_in_one_voice(client, world, make_user):  # noqa: F811
    people = world["people"]
    # A member of the group without a name (as accounts from before names were asked): the
    # pages that list people must say "A member", never a part of their address.
    group_join(group=Group.objects.get(community__slug="ai-cop", slug="generative-ai"),
               user=make_user(NAMELESS))
    wrong = []
    opened = 0
    for who in ("anonymous", "organizer"):
        _signed_in_as(client, people[who])
        for _route, name, pattern in site_pages():
            url = _url(name, pattern, world["arguments"], real=True)
            if url is None:
                continue
            response = _request(client, url)
            if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
                continue
            opened += 1
            text = visible_text(response.content.decode())
            wrong += [f"{name} as {who}: {problem}" for problem in problems_in(text)]
            if address_part_shown(text):
                wrong.append(f"{name} as {who}: shows a person by a part of their address")
    assert opened >= 100, "the walk should open most pages"
    assert not wrong, "\n".join(wrong)
