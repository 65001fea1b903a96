"""Every management page answers as `core.access.can_manage` says, for every kind of viewer.

The test walks the whole URL conf over the demo community. A management page is one whose
view is wrapped by the one gate, `manage_page` (the wrapper carries `manage_action` and puts
the thing managed on the request). For each of them and each kind of viewer the page must
open exactly when `can_manage(viewer, thing, action=…)` is true: otherwise a visitor is sent to
sign in and anyone else gets 403.

A page that decides for itself who may manage it fails here without anyone adding a line:
- its name says it manages something (edit, settings, moderation, …) but it is not wrapped by
  `manage_page` (`test_pages_that_manage_go_through_the_gate`), or
- it opens for an organizer and refuses a government member of the group
  (`test_no_page_outside_the_gate_refuses_by_role`).
"""

import io
import re

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cophub.accounts.models import DomainRule
from cophub.communities.models import Community, CommunityRole, Group, Membership
from cophub.communities.selectors import viewer_for
from cophub.communities.services import (
    community_role_ensure,
    group_join,
    group_lead_appoint,
)

# The shared fixtures live in src/cophub/conftest.py, which covers only tests under src/.
from cophub.conftest import _empty_cache, make_user  # noqa: F401
from cophub.core.access import can_manage
from cophub.events.models import Event
from cophub.forum.models import Topic
from cophub.forum.services import category_save, silence_set, topic_start
from cophub.learning.models import AccessRequest, Instructor, Series
from cophub.library.models import Resource, ResourceVersion
from cophub.lists.models import MailingList, NewsletterIssue, Post
from cophub.surveys.services import survey_create

pytestmark = pytest.mark.django_db

VIEWERS = ("anonymous", "public participant", "government member", "group member",
           "lead of this group", "lead of another group", "organizer", "operator")

# Words in a URL name that mean the page manages something. Such a page must be a
# management page, unless it is listed in PERSONAL with the reason it is not.
MANAGING = re.compile(r"organize|manage|create|new|edit|settings|moderation|subscribers|"
                      r"bounces|compose|registrants|checkin|import|report|audit|withdraw|"
                      r"reinstate|restore|history|preview|send|delete|decide|invite|role|"
                      r"material|feedback_results|attendance")
PERSONAL = {
    "accounts:delete": "a person deletes their own account",
    "events:cancel": "a person cancels their own registration",
    "learning:enrolment_cancel": "a person leaves a series they enrolled in",
    "learning:access_request": "anyone asks for access to recordings",
    "learning:certificate_issue": "a person asks for their own certificate",
    "events:material": "a material file, shown to whoever may see it (can_view)",
    "forum:post_edit": "a person edits their own post (moderators go through the gate's rule "
                       "in forum.services.forum_post_edit)",
    "forum:topic_create": "anyone the category's posting rule admits starts a topic",
    "forum:notification_settings": "a person's own forum e-mail and what they follow",
    "events:materials": "the materials of an event, shown to whoever may see them",
    "lists:unsubscribe_one_click": "the recipient's own signed unsubscribe link",
}
SKIPPED_PREFIXES = ("django-admin/", "accounts/", "static/", "__debug__/")


def _walk(resolver, prefix="", namespace=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = namespace + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry, prefix + str(entry.pattern), inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + str(entry.pattern), namespace + entry.name, entry


def site_pages():
    """(route, name, pattern) for every named page outside Django's admin and allauth."""
    return [(route, name, pattern) for route, name, pattern in _walk(get_resolver())
            if not route.startswith(SKIPPED_PREFIXES)]


def _arguments(pattern) -> list[str]:
    converters = getattr(pattern.pattern, "converters", None)
    if converters:
        return list(converters)
    return list(pattern.pattern.regex.groupindex)


@pytest.fixture
def world(settings, tmp_path, make_user):  # noqa: F811 — the imported fixture
    """The demo community, and one person of each kind around its Generative AI practice
    area (which hosts events, owns resources and has the genai@ list)."""
    settings.COPHUB_DOTGOV_CSV = str(tmp_path / "missing.csv")
    call_command("demo", members=60, stdout=io.StringIO())
    community = Community.objects.get(slug="ai-cop")
    group = Group.objects.get(community=community, slug="generative-ai")
    other = Group.objects.get(community=community, slug="computer-vision")

    def person(email, **kwargs):
        return make_user(email, mfa=True, **kwargs)

    people = {
        "anonymous": None,
        "public participant": person("walker@example.com"),
        "government member": person("gail@nasa.gov"),
        "group member": person("gus@nih.gov"),
        "lead of this group": person("lena@gsa.gov"),
        "lead of another group": person("leo@dot.gov"),
        "organizer": person("orla@gsa.gov"),
        "operator": person("opal@gsa.gov", staff=True),
    }
    group_join(group=group, user=people["group member"])
    group_lead_appoint(group=group, user=people["lead of this group"])
    group_lead_appoint(group=other, user=people["lead of another group"])
    community_role_ensure(community=community, user=people["organizer"],
                          role=CommunityRole.Role.ORGANIZER)

    event = (Event.objects.filter(group=group).annotate(n=Count("materials"))
             .order_by("-n", "pk").first())
    resource = Resource.objects.filter(group=group).order_by("pk").first()
    mailing_list = MailingList.objects.get(local_part="genai")
    series = Series.objects.filter(community=community).order_by("pk").first()
    request = Membership.objects.filter(group=group, state=Membership.State.REQUESTED).first()
    membership = request or Membership.objects.get(group=group, user=people["group member"])
    post = Post.objects.filter(mailing_list=mailing_list).order_by("pk").first()
    version = ResourceVersion.objects.filter(resource=resource).order_by("number").first()
    rule = DomainRule.objects.create(domain="example.org", kind="allow")
    topic = Topic.objects.filter(category__group=group).order_by("pk").first()
    # A first post held in the group's category, and a silence, for the forum's moderators.
    organizer = people["organizer"]
    holding = category_save(actor=organizer, community=community, category=topic.category,
                            hold_first_posts=True)
    held = topic_start(category=holding, author=make_user("newcomer@va.gov"),
                       title="Hello", body_markdown="My first post")
    silence = silence_set(community=community, user=people["government member"],
                          actor=organizer, days=1, reason="Cooling off")
    survey = survey_create(community=community, actor=organizer, title="Group survey",
                           group=group, template="event_feedback")
    # The URL arguments of the management pages, by argument name and, where a name means
    # different things in different apps, by URL name. A new page with a new argument fails
    # below until it is given a real value here.
    arguments = {
        "community": community.slug, "group": group.slug, "local_part": mailing_list.local_part,
        "series": series.slug, "track": series.tracks.order_by("pk").first().slug,
        "material_pk": event.materials.order_by("pk").first().pk,
        "attendance_pk": event.attendances.order_by("pk").first().pk,
        "post_id": post.pk if post else 0, "number": version.number if version else 1,
        ("events", "pk"): event.pk, ("library", "pk"): resource.pk,
        ("library", "slug"): resource.slug,
        ("newsletters", "slug"): NewsletterIssue.objects.filter(community=community)
        .order_by("pk").first().slug,
        ("communities", "pk"): membership.pk, ("accounts", "pk"): rule.pk,
        ("forum", "category"): topic.category.slug, ("forum", "pk"): topic.pk,
        ("forum", "post_id"): topic.root_id, ("forum:held_decide", "post_id"): held.pk,
        ("forum:silence_lift", "pk"): silence.pk,
        ("learning:session_edit", "pk"): series.sessions.order_by("pk").first().pk,
        ("learning:instructor_edit", "pk"): Instructor.objects.order_by("pk").first().pk,
        ("surveys", "pk"): survey.pk, ("surveys", "section"): 1, ("surveys", "position"): 1,
        ("surveys", "code"): "comment",
        ("learning:access_request_decide", "pk"):
            AccessRequest.objects.filter(series__community=community).order_by("pk").first().pk,
    }
    return {"people": people, "arguments": arguments}


def _url(name: str, pattern, arguments, *, real: bool) -> str | None:
    namespace = name.split(":")[0]
    kwargs = {}
    for arg in _arguments(pattern):
        for key in ((name, arg), (namespace, arg), arg):
            if key in arguments:
                kwargs[arg] = arguments[key]
                break
        else:
            if real:
                return None
            kwargs[arg] = 999_999 if arg.endswith(("pk", "id", "number")) else "x-unknown"
    try:
        return reverse(name, kwargs=kwargs)
    except Exception:  # noqa: BLE001 — a dummy value that does not fit the converter
        return None


def _request(client, url):
    """GET, or an empty POST for POST-only pages, inside a savepoint that is rolled back so
    no request changes what the next viewer finds."""
    with transaction.atomic():
        response = client.get(url)
        if response.status_code == 405:
            response = client.post(url)
        transaction.set_rollback(True)
    return response


def _signed_in_as(client, user):
    client.logout()
    if user is not None:
        client.force_login(user)


def _opened(response) -> bool:
    """The page did its work: neither refused nor sent to sign in or to set up MFA."""
    if response.status_code in (403, 404):
        return False
    location = response.headers.get("Location", "")
    return not (response.status_code == 302
                and (location.startswith(reverse("account_login"))
                     or location.startswith(reverse("mfa_index"))))


def test_every_management_page_answers_as_can_manage_says(client, world):
    pages = [(route, name, pattern) for route, name, pattern in site_pages()
             if hasattr(pattern.callback, "manage_action")]
    assert len(pages) >= 40, "the gate should wrap every management page"
    wrong = []
    for _route, name, pattern in pages:
        url = _url(name, pattern, world["arguments"], real=True)
        assert url, f"{name}: give its URL arguments real values in the `world` fixture"
        for who in VIEWERS:
            user = world["people"][who]
            _signed_in_as(client, user)
            response = _request(client, url)
            target = getattr(response.wsgi_request, "manage_target", None)
            if target is None:
                # Refused before the gate: only for what the person may not see (404).
                if response.status_code != 404 or who == "organizer":
                    wrong.append(f"{name} as {who}: {response.status_code} before the gate")
                continue
            allowed = can_manage(viewer_for(user), target,
                                 action=pattern.callback.manage_action)
            if _opened(response) != allowed:
                wrong.append(f"{name} as {who}: {response.status_code}, "
                             f"can_manage says {allowed}")
            elif not allowed:
                expected = 302 if user is None else 403
                if response.status_code != expected:
                    wrong.append(f"{name} as {who}: {response.status_code}, not {expected}")
    assert not wrong, "\n".join(wrong)


def test_leads_of_the_group_reach_the_pages_of_its_content(client, world):
    """The rule's point for leads: every page that runs one of the group's things opens for
    its leads (the after-event pages of the events it hosts included)."""
    _signed_in_as(client, world["people"]["lead of this group"])
    reached = set()
    for _route, name, pattern in site_pages():
        if getattr(pattern.callback, "manage_action", None) != "manage":
            continue
        response = _request(client, _url(name, pattern, world["arguments"], real=True))
        target = getattr(response.wsgi_request, "manage_target", None)
        if getattr(target, "group_id", None) is not None and _opened(response):
            reached.add(name.split(":")[0])
    assert {"communities", "events", "library", "lists"} <= reached


def test_pages_that_manage_go_through_the_gate():
    ungated = [name for _route, name, pattern in site_pages()
               if MANAGING.search(name.split(":")[-1])
               and not hasattr(pattern.callback, "manage_action") and name not in PERSONAL]
    assert not ungated, ("These pages look like management pages but do not go through "
                         f"`manage_page`: {ungated}")


def test_no_page_outside_the_gate_refuses_by_role(client, world):
    """Outside the gate, nothing may open for an organizer and refuse a government member of
    the group: that would be a management rule written somewhere else."""
    organizer = world["people"]["organizer"]
    member = world["people"]["group member"]
    wrong = []
    for _route, name, pattern in site_pages():
        if hasattr(pattern.callback, "manage_action"):
            continue
        url = _url(name, pattern, world["arguments"], real=False)
        if url is None:
            continue
        _signed_in_as(client, organizer)
        as_organizer = _request(client, url)
        _signed_in_as(client, member)
        as_member = _request(client, url)
        if _opened(as_organizer) and as_member.status_code == 403:
            wrong.append(name)
    assert not wrong, f"Pages that decide who manages outside `manage_page`: {wrong}"
