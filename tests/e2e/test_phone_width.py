"""On a phone (390 × 844): every kind of viewer, on representative pages of every app and,
for the organizer, on every management page, meets WCAG 2.2 AA under axe (target size
included) and nothing scrolls sideways. With the defects that walk found: a join request's
long note, the reading line height, and the use case filters, which apply as they change.

The pages come from the demo (`cophub demo`, the data a developer sees) plus a small use case
inventory whose answers hold a 300-character link.
"""

import re
from pathlib import Path

import pytest
from django.db.models import Count
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cophub.accounts.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from cophub.accounts.models import DomainRule, User
from cophub.communities.models import Community, Group, Membership
from cophub.communities.services import group_join
from cophub.conftest import run_demo  # noqa: F401 — the demo, as the other demo tests load it
from cophub.core.access import AccessLevel
from cophub.events.models import Event
from cophub.events.tests.factories import EventFactory
from cophub.forum.models import Topic
from cophub.forum.services import category_save, silence_set, topic_start
from cophub.learning.models import AccessRequest, Instructor, Series
from cophub.library.models import Resource, ResourceVersion
from cophub.lists.models import MailingList, NewsletterIssue, Post
from cophub.surveys.models import Survey
from cophub.usecases.importing import inventory_import
from cophub.usecases.models import UseCase
from cophub.usecases.tests.conftest import csv_text, use_case_row

from .conftest import TOTP_SECRET, WCAG22_TAGS, sideways_overflow

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_LINK = "https://www.example.gov/privacy/" + "impact-assessment-" * 15 + "final.pdf"
# (label, demo login); the organizer signs in with a password and an authenticator code.
VIEWERS = [("anonymous", None), ("public participant", "public@example.com"),
           ("government member", "member@va.gov"), ("organizer", "organizer@gsa.gov")]
# Files and feeds, not pages.
NOT_PAGES = {"events:registrants_csv", "events:fy_report_csv", "events:material",
             "surveys:results_csv"}


@pytest.fixture
def site(run_demo, tmp_path, make_user):  # noqa: F811 — the imported fixture
    """The demo; a small use case inventory, one of whose answers is a 300-character link;
    a first post held for moderation and a silenced member, for the moderators' pages."""
    run_demo(10)
    inventory = Path(tmp_path) / "2025_use_cases.csv"
    inventory.write_text(csv_text([
        use_case_row("DOE", "DOE-1", "Grid load forecasting", development_stage="Pilot",
                     topic_area="Energy and Environment", pia_url=LONG_LINK,
                     vendor_name="Microsoft; Palantir Technologies, Inc.",
                     problem_solved="Forecast electricity grid load with machine learning."),
        use_case_row("VA", "VA-1", "Handwritten claim form digitization",
                     development_stage="Deployed", topic_area="Benefits Processing",
                     problem_solved="Optical character recognition reads benefits forms."),
    ]), encoding="utf-8-sig")
    inventory_import(source=str(inventory), year=2025, index=False)
    community = Community.objects.get(slug="ai-cop")
    organizer = User.objects.get(email="organizer@gsa.gov")
    topic = Topic.objects.filter(category__group__slug="generative-ai").order_by("pk").first()
    holding = category_save(actor=organizer, community=community, category=topic.category,
                            hold_first_posts=True)
    held = topic_start(category=holding, author=make_user("newcomer@va.gov"), title="Hello",
                       body_markdown="My first post")
    silence = silence_set(community=community, user=make_user("loud@va.gov"), actor=organizer,
                          days=1, reason="Cooling off")
    return _arguments(community, held=held, silence=silence)


def _arguments(community, *, held, silence) -> dict:
    """Real values for the URL arguments of the pages, by argument name and, where a name
    means different things in different apps, by app or by URL name."""
    group = Group.objects.get(community=community, slug="generative-ai")
    event = (Event.objects.filter(group=group).annotate(n=Count("materials"))
             .order_by("-n", "pk").first())
    resource = Resource.objects.filter(group=group, access_level=AccessLevel.PUBLIC).order_by(
        "pk").first() or Resource.objects.order_by("pk").first()
    mailing_list = MailingList.objects.get(local_part="genai")
    series = Series.objects.filter(community=community).order_by("pk").first()
    request = Membership.objects.filter(state=Membership.State.REQUESTED).first()
    topic = Topic.objects.filter(category__group=group).order_by("pk").first()
    return {
        "community": community.slug, "group": group.slug,
        "local_part": mailing_list.local_part, "series": series.slug,
        "track": series.tracks.order_by("pk").first().slug,
        "material_pk": event.materials.order_by("pk").first().pk,
        "attendance_pk": event.attendances.order_by("pk").first().pk,
        "post_id": Post.objects.filter(mailing_list=mailing_list).order_by("pk").first().pk,
        "number": ResourceVersion.objects.filter(resource=resource).order_by(
            "number").first().number,
        ("events", "pk"): event.pk, ("library", "pk"): resource.pk,
        ("library", "slug"): resource.slug,
        ("newsletters", "slug"): NewsletterIssue.objects.filter(community=community)
        .order_by("pk").first().slug,
        ("communities", "pk"): request.pk, ("accounts", "pk"): DomainRule.objects.create(
            domain="example.org", kind="allow").pk,
        ("forum", "category"): topic.category.slug, ("forum", "pk"): topic.pk,
        ("forum", "post_id"): topic.root_id, ("forum:held_decide", "post_id"): held.pk,
        ("forum:silence_lift", "pk"): silence.pk,
        ("learning:session_edit", "pk"): series.sessions.order_by("pk").first().pk,
        ("learning:instructor_edit", "pk"): Instructor.objects.order_by("pk").first().pk,
        ("learning:access_request_decide", "pk"):
            AccessRequest.objects.filter(series__community=community).order_by("pk").first().pk,
        ("usecases", "pk"): UseCase.objects.get(key="DOE:DOE-1").pk,
        # The demo's practitioner survey: open, anonymous, with answers to show.
        ("surveys", "pk"): Survey.objects.get(title="2026 survey of AI practitioners").pk,
        ("surveys", "section"): 1, ("surveys", "position"): 1, ("surveys", "code"): "comment",
    }


def _url(name: str, **kwargs) -> str:
    return reverse(name, kwargs=kwargs)


def _everyones_pages(args: dict) -> list[str]:
    """Home, community, group, events, training, library, use cases, lists, newsletters,
    forum, search and a person's own pages: what any viewer may open (the others answer
    with a sign-in, 403 or 404 page, which must pass too)."""
    c = args["community"]
    return [
        "/", _url("communities:detail", community=c),
        _url("communities:group", community=c, group=args["group"]),
        _url("events:list", community=c), _url("events:detail", community=c,
                                                 pk=args["events", "pk"]),
        _url("events:my_calendar"),
        _url("learning:series_list", community=c),
        _url("learning:series_detail", community=c, series=args["series"]),
        _url("learning:transcript"),
        _url("library:browse"), _url("library:community", community=c),
        _url("library:detail_short", community=c, pk=args["library", "pk"]),
        _url("usecases:list"), _url("usecases:detail", pk=args["usecases", "pk"]),
        _url("usecases:statistics"),
        _url("lists:index"), _url("lists:my_subscriptions"),
        _url("lists:detail", local_part=args["local_part"]),
        _url("lists:archive", local_part=args["local_part"]),
        _url("lists:archive_post", local_part=args["local_part"], post_id=args["post_id"]),
        _url("newsletters:index", community=c),
        _url("newsletters:detail", community=c, slug=args["newsletters", "slug"]),
        _url("forum:index", community=c),
        _url("forum:category", community=c, category=args["forum", "category"]),
        _url("forum:topic", community=c, pk=args["forum", "pk"]),
        _url("forum:notifications"),
        _url("search:search") + "?q=AI", _url("accounts:profile"), _url("accounts:directory"),
    ]


def _walk(resolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            inner = prefix + (f"{entry.namespace}:" if entry.namespace else "")
            yield from _walk(entry, inner)
        elif isinstance(entry, URLPattern) and entry.name:
            yield prefix + entry.name, entry


def _management_pages(args: dict) -> list[str]:
    """Every page behind the management gate (`manage_page`), with real arguments."""
    urls = []
    for name, pattern in _walk(get_resolver()):
        if not hasattr(pattern.callback, "manage_action") or name in NOT_PAGES:
            continue
        kwargs = {}
        for arg in pattern.pattern.converters:
            for key in (name, arg), (name.split(":")[0], arg), arg:
                if key in args:
                    kwargs[arg] = args[key]
                    break
            else:
                pytest.fail(f"{name}: give its argument {arg!r} a real value in `_arguments`")
        urls.append(reverse(name, kwargs=kwargs))
    assert len(urls) >= 40, "the gate should wrap every management page"
    return urls


def _check_pages(page, assert_accessible, urls: list[str]) -> list[str]:
    """Open each page that answers GET (a POST-only page is skipped) and check it; return
    what is wrong, page by page, so one run shows every problem."""
    problems, seen = [], set()
    for url in urls:
        if page.request.get(url, max_redirects=0).status == 405:
            continue
        page.goto(url)
        if page.url in seen:  # the sign-in page, again
            continue
        seen.add(page.url)
        label = re.sub(r"\W+", "-", url).strip("-") or "home"
        try:
            assert_accessible(page, label, tags=WCAG22_TAGS)
        except pytest.fail.Exception as failure:
            problems.append(str(failure))
        if overflow := sideways_overflow(page):
            problems.append(overflow)
    return problems


@pytest.mark.parametrize(("viewer", "email"), VIEWERS, ids=[v for v, _ in VIEWERS])
def test_every_page_fits_a_phone_and_passes_axe(page, assert_accessible, sign_in, site,
                                               viewer, email):
    page.set_viewport_size(PHONE)
    if email:
        sign_in(page, email, DEMO_PASSWORD,
                totp_secret=DEMO_TOTP_SECRET if viewer == "organizer" else None)
    urls = _everyones_pages(site)
    if viewer == "organizer":
        urls += _management_pages(site)
    problems = _check_pages(page, assert_accessible, urls)
    assert not problems, f"{len(problems)} problem(s) as {viewer}:\n\n" + "\n\n".join(problems)


# --- A join request's note ---------------------------------------------------------------------

@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_long_unbroken_note_leaves_the_decision_buttons_on_the_screen(
        page, assert_accessible, sign_in, organizer, gov_member, community, make_group,
        viewport):
    # Given a request to join with a note of 300 characters and no space
    group = make_group("tools", name="Tools and Resources", kind=Group.Kind.WORKING_GROUP,
                       join_policy=Group.JoinPolicy.REQUEST)
    group_join(group=group, user=gov_member, message="Pleaseletmejoin" * 20)
    # When the organizer reads it on the dashboard
    page.set_viewport_size(viewport)
    sign_in(page, organizer.email, totp_secret=TOTP_SECRET)
    page.goto(reverse("communities:organize", kwargs={"community": community.slug}))
    assert_accessible(page, "join-request-long-note", tags=WCAG22_TAGS)
    # Then both buttons are within the window, and the page does not scroll sideways
    for name in ("Approve Mia Member", "Decline Mia Member"):
        box = page.get_by_role("button", name=name).bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"], (name, box)
    assert not sideways_overflow(page)


# --- Reading line height -----------------------------------------------------------------------

def test_descriptions_are_set_at_the_reading_line_height(page, community):
    event = EventFactory(community=community, title="Responsible AI webinar",
                         access_level=AccessLevel.PUBLIC,
                         description="Evaluating large language models in government.\n\n"
                                     "Bring your questions.")
    page.goto(event.get_absolute_url())
    paragraph = page.locator("main .cophub-prose p").first
    assert paragraph.inner_text() == "Evaluating large language models in government."
    size, height = paragraph.evaluate(
        "p => [getComputedStyle(p).fontSize, getComputedStyle(p).lineHeight]")
    assert float(height.removesuffix("px")) == pytest.approx(
        1.5 * float(size.removesuffix("px")), abs=0.1)


# --- The use case filters ----------------------------------------------------------------------

@pytest.fixture
def inventory(tmp_path, db):
    rows = [use_case_row("DOE", f"DOE-{i}", f"Grid load forecasting {i}",
                         development_stage="Pilot" if i % 2 else "Deployed",
                         topic_area="Energy and Environment",
                         problem_solved="Forecast electricity grid load with machine "
                                        "learning, by region and by hour.")
            for i in range(1, 7)]
    rows.append(use_case_row("VA", "VA-1", "Handwritten claim form digitization",
                             development_stage="Pilot", topic_area="Benefits Processing"))
    path = Path(tmp_path) / "2025_use_cases.csv"
    path.write_text(csv_text(rows), encoding="utf-8-sig")
    inventory_import(source=str(path), year=2025, index=False)


def test_use_case_filters_apply_as_they_change_on_a_phone(page, assert_accessible, inventory):
    page.set_viewport_size(PHONE)
    page.goto(reverse("usecases:list"))
    assert_accessible(page, "use-cases-phone", tags=WCAG22_TAGS)
    # The facets are folded, so the first result follows a short form (it was 3,600 px down)
    first = page.locator("#usecase-results .usa-collection__item").first.bounding_box()
    assert first["y"] < 2 * PHONE["height"], first
    page.evaluate("window.cophubSameDocument = true")

    # Ticking a value (by keyboard) updates the results, the count and the URL, in place
    page.get_by_role("button", name="Stage of development").click()
    pilot = page.get_by_role("checkbox", name=re.compile(r"^Pilot"))
    pilot.focus()
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"stage=Pilot"))
    status = page.get_by_role("status").filter(has_text="use case")
    status.filter(has_text="4 use cases match these filters").wait_for()
    assert page.locator("#usecase-results .usa-collection__item").count() == 4
    assert page.evaluate("window.cophubSameDocument") is True  # no full reload
    # The focus stays on the box, and the facet says what is chosen in it
    assert page.evaluate("document.activeElement.value") == "Pilot"
    assert page.get_by_role("button", name="Stage of development (1 chosen)").is_visible()
    assert page.get_by_role("link", name="Download these 4 use cases (CSV)").is_visible()
    # The other facets count within the choice
    page.get_by_role("button", name="Agency").click()
    assert page.get_by_role("checkbox", name=re.compile(
        r"^Department of Energy \(DOE\) \(3\s*use cases\s*\)")).count() == 1
    assert_accessible(page, "use-cases-phone-filtered", tags=WCAG22_TAGS)
    assert not sideways_overflow(page)

    # Back goes to the unfiltered list
    page.go_back()
    page.wait_for_url(re.compile(r"/use-cases/$"))
    status.filter(has_text="7 use cases").wait_for()


def test_use_case_filters_work_without_javascript(browser, live_server, inventory):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport=PHONE)
    page = context.new_page()
    page.goto(reverse("usecases:list"))
    # Every facet is open (no script folds them); the button applies the choice
    page.locator("label", has_text="Pilot").click()
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url(re.compile(r"stage=Pilot"))
    assert page.locator("#usecase-results .usa-collection__item").count() == 4
    assert page.get_by_role("checkbox", name=re.compile(r"^Pilot")).is_checked()
    context.close()
