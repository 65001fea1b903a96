"""The library's pages: browsing and filtering, the resource page with related resources,
the file download, and the organizers' add, edit, history and withdraw pages."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import Community, CommunityRole
from cophub.communities.services import community_role_ensure
from cophub.events.models import Event
from cophub.library import services
from cophub.library.models import Resource

from . import samples as s
from .conftest import stored_files

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return response.content.decode()


def browse(client, community=None, **params):
    url = (reverse("library:community", kwargs={"community": community}) if community
           else reverse("library:browse"))
    return client.get(url, params)


def url(name, resource, **extra):
    return reverse(f"library:{name}", kwargs={"community": resource.community.slug,
                                              "pk": resource.pk, **extra})


@pytest.fixture
def event(community):
    start = timezone.now() - timedelta(days=30)
    return Event.objects.create(community=community, kind="webinar", title="LLM primer",
                                starts_at=start, ends_at=start + timedelta(hours=1),
                                status="published")


# --- Browsing --------------------------------------------------------------------------------

def test_browse_lists_resources_newest_first_with_their_card(client, make_resource):
    make_resource(title="Older guide", published_on=date(2021, 3, 1))
    make_resource(title="Prompt library", kind="tool", published_on=date(2024, 2, 1),
                  summary="Prompts for **public servants**, tested by members.",
                  authors="Sara Lindqvist, 18F\nAaron Feld, VA")
    page = text(browse(client))
    assert page.index("Prompt library") < page.index("Older guide")
    assert "Prompts for public servants, tested by members." in page  # plain-text excerpt
    assert "Sara Lindqvist, 18F and 1 more" in page and "February 1, 2024" in page
    assert ">Tool<" in page and "AI CoP" in page  # kind tag; community on the site-wide page


def test_browse_answers_on_a_site_without_communities(client, make_user):
    """A fresh site, before its first community: the library says it has nothing yet."""
    assert not Community.objects.exists()
    assert browse(client).status_code == 200
    client.force_login(make_user("member@va.gov"))
    assert browse(client).status_code == 200


def test_filters_by_kind_practice_area_year_and_words(client, make_resource, make_group):
    area = make_group("generative-ai", name="Generative AI")
    make_resource(title="Prompt library", kind="tool", practice_areas=[area],
                  published_on=date(2024, 2, 1))
    make_resource(title="Threat model worksheet", kind="tool", published_on=date(2023, 1, 30),
                  authors="Nia Brooks, CISA")
    make_resource(title="RMF walkthrough", kind="presentation", published_on=date(2023, 2, 23))

    def titles(**params):
        page = text(browse(client, **params))
        return {t for t in ("Prompt library", "Threat model worksheet", "RMF walkthrough")
                if t in page}

    assert titles(kind="tool") == {"Prompt library", "Threat model worksheet"}
    assert titles(practice_area=area.pk) == {"Prompt library"}
    assert titles(year="2023") == {"Threat model worksheet", "RMF walkthrough"}
    assert titles(q="brooks worksheet") == {"Threat model worksheet"}
    assert titles(q="nothing-matches") == set()
    assert titles(community="ai-cop", kind="presentation") == {"RMF walkthrough"}
    assert "No resources match these filters." in text(browse(client, q="nothing-matches"))


def test_bad_filter_values_are_explained_and_filter_nothing(client, make_resource):
    make_resource(title="Prompt library")
    page = text(browse(client, year="1850", kind="bogus"))
    assert "Select a valid choice" in page and "Prompt library" in page


def test_the_community_page_lists_only_that_community(client, make_resource, organizer):
    data = Community.objects.create(slug="data-cop", name="Data Community of Practice",
                                    short_name="Data CoP")
    community_role_ensure(community=data, user=organizer, role=CommunityRole.Role.ORGANIZER)
    make_resource(title="Open data checklist", community=data)
    make_resource(title="Prompt library")
    page = text(browse(client, "data-cop"))
    assert "Open data checklist" in page and "Prompt library" not in page
    assert "Data CoP library" in page
    assert "Prompt library" in text(browse(client, community="ai-cop"))
    assert "Open data checklist" not in text(browse(client, community="ai-cop"))


def test_htmx_gets_only_the_results(client, make_resource):
    make_resource(title="Prompt library")
    response = client.get(reverse("library:browse"), HTTP_HX_REQUEST="true")
    assert "Prompt library" in text(response) and "<html" not in text(response)
    assert "HX-Request" in response["Vary"]


def test_browse_pages_through_results(client, make_resource):
    for i in range(25):
        make_resource(title=f"Resource {i:02d}", published_on=date(2023, 1, 1) + timedelta(i))
    first, second = text(browse(client)), text(browse(client, page=2))
    assert "Resource 24" in first and "Resource 05" in first and "Resource 04" not in first
    assert "Resource 04" in second and "Page 2 of 2" in second


def test_browse_query_count_does_not_grow_with_resources(client, make_resource, make_group,
                                                         gov_member,
                                                         django_assert_max_num_queries):
    area = make_group("generative-ai")
    for i in range(30):
        make_resource(title=f"Resource {i}", practice_areas=[area],
                      access_level=["public", "government", "signed_in"][i % 3])
    client.force_login(gov_member)
    # Session and person (2), viewer (2), filter choices (3), count and page (2), and the
    # session's idle-time stamp (3): none grows with the number of resources.
    with django_assert_max_num_queries(12):
        response = browse(client)
    assert text(response).count("usa-collection__item") == 20
    with django_assert_max_num_queries(12):
        response = browse(client, "ai-cop", practice_area=area.pk, year="2023", q="Resource")
    assert text(response).count("usa-collection__item") == 20


# --- The resource page -----------------------------------------------------------------------

def test_resource_page_shows_markdown_metadata_and_the_source_event(client, make_resource,
                                                                   make_group, event):
    area = make_group("generative-ai", name="Generative AI")
    resource = make_resource(title="LLM primer slides", kind="presentation",
                             summary="Slides on **evaluation**.\n\n<script>x</script>",
                             authors="Kwame Mensah, NIH", source_event=event,
                             practice_areas=[area], upload=s.upload("primer.pdf", s.PDF))
    page = text(client.get(resource.get_absolute_url()))
    assert "<strong>evaluation</strong>" in page and "<script>x" not in page
    assert "Kwame Mensah, NIH" in page and "Generative AI" in page
    assert f'href="{event.get_absolute_url()}"' in page
    assert f'href="{url("file", resource)}"' in page and "Open primer.pdf" in page
    assert "/media/" not in page and resource.file.name not in page


def test_the_source_event_is_linked_only_for_people_who_may_see_it(client, make_resource,
                                                                   event):
    event.access_level = "government"
    event.save()
    resource = make_resource(source_event=event)
    page = text(client.get(resource.get_absolute_url()))
    assert "LLM primer" not in page and event.get_absolute_url() not in page


def test_hidden_group_and_practice_area_names_are_not_shown(client, make_resource, make_group,
                                                            public_user):
    secret = make_group("secret-area", access_level="government", name="Secret area")
    committee = make_group("committee", kind="committee", access_level="government",
                           name="Inner committee")
    resource = make_resource(group=committee, practice_areas=[secret])
    client.force_login(public_user)
    page = text(client.get(resource.get_absolute_url()))
    assert "Secret area" not in page and "Inner committee" not in page


def test_old_and_short_addresses_redirect_to_the_current_one(client, make_resource, organizer):
    resource = make_resource()
    short = reverse("library:detail_short", kwargs={"community": "ai-cop", "pk": resource.pk})
    assert client.get(short)["Location"] == resource.get_absolute_url()
    old = url("detail", resource, slug="old-title")
    assert client.get(old)["Location"] == resource.get_absolute_url()


def test_related_resources_share_practice_areas_the_event_or_the_kind(
        client, make_resource, make_group, event):
    area, other = make_group("generative-ai"), make_group("nlp")
    resource = make_resource(title="Main", kind="playbook", practice_areas=[area],
                             source_event=event)
    make_resource(title="Same event", kind="recording", source_event=event)
    make_resource(title="Same area", kind="tool", practice_areas=[area])
    make_resource(title="Same kind", kind="playbook", practice_areas=[other])
    make_resource(title="Unrelated", kind="dataset", practice_areas=[other])
    make_resource(title="Hidden twin", kind="playbook", practice_areas=[area],
                  source_event=event, access_level="government")
    gone = make_resource(title="Withdrawn twin", kind="playbook", practice_areas=[area])
    services.resource_withdraw(resource=gone, actor=gone.created_by)
    page = text(client.get(resource.get_absolute_url()))
    related = page[page.index("Related resources"):]
    order = [t for t in re.findall(r'usa-link" href="[^"]+">([^<]+)</a>', related)]
    assert order == ["Same event", "Same area", "Same kind"]


def test_resource_page_query_count_is_bounded(client, make_resource, make_group, event,
                                              gov_member, django_assert_max_num_queries):
    areas = [make_group(f"area-{i}") for i in range(3)]
    resource = make_resource(practice_areas=areas, source_event=event, group=areas[0],
                             upload=s.upload("a.pdf", s.PDF))
    for i in range(20):
        make_resource(title=f"Neighbour {i}", practice_areas=areas[:2], source_event=event)
    client.force_login(gov_member)
    with django_assert_max_num_queries(11):
        response = client.get(resource.get_absolute_url())
    assert text(response).count("usa-collection__item") == 4


# --- The file --------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "content", "content_type", "disposition"), [
    ("Guide (final).pdf", s.PDF, "application/pdf", "inline"),
    ("chart.png", s.PNG, "image/png", "inline"),
    ("deck.pptx", s.ooxml("pptx"), "application/vnd.openxmlformats-officedocument."
                                   "presentationml.presentation", "attachment"),
    ("data.csv", s.CSV, "text/csv; charset=utf-8", "attachment"),
    ("notes.md", s.MARKDOWN, "text/markdown; charset=utf-8", "attachment"),
])
def test_files_stream_with_the_checked_type_and_safe_headers(client, make_resource, name,
                                                             content, content_type,
                                                             disposition):
    resource = make_resource(upload=s.upload(name, content))
    response = client.get(url("file", resource))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"].startswith(disposition)
    assert name.replace(" ", "") in response["Content-Disposition"].replace(" ", "")


def test_a_link_resource_or_a_missing_file_has_no_file_page(client, make_resource):
    link = make_resource()
    assert client.get(url("file", link)).status_code == 404
    resource = make_resource(upload=s.upload("a.pdf", s.PDF))
    resource.file.storage.delete(resource.file.name)
    assert client.get(url("file", resource)).status_code == 404


# --- Organizers: adding and editing ----------------------------------------------------------

def form_data(**overrides):
    data = {"kind": "presentation", "title": "Evaluating LLMs",
            "summary": "Slides from the **workshop**.", "authors": "Sara Lindqvist, 18F",
            "url": "", "group": "", "source_event": "", "published_on": "2023-08-28",
            "access_level": "government", "change_summary": ""}
    data.update(overrides)
    return data


def test_organizer_adds_a_file_on_the_page(client, organizer, make_group, event):
    area = make_group("generative-ai")
    client.force_login(organizer)
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    assert client.get(create).status_code == 200
    response = client.post(create, form_data(
        upload=s.upload("evaluating-llms.pdf", s.PDF), practice_areas=[area.pk],
        source_event=event.pk))
    resource = Resource.objects.get()
    assert response.status_code == 302 and response["Location"] == resource.get_absolute_url()
    assert resource.file_name == "evaluating-llms.pdf" and resource.source_event == event
    assert list(resource.practice_areas.all()) == [area]
    assert resource.created_by == organizer and resource.access_level == "government"


def test_the_page_explains_a_refused_file_and_stores_nothing(client, organizer):
    client.force_login(organizer)
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    response = client.post(create, form_data(upload=s.upload("minutes.pdf", s.EXE)))
    page = text(response)
    assert response.status_code == 200 and "it looks like a Windows program" in page
    assert "usa-form-group--error" in page
    assert not Resource.objects.exists() and stored_files() == set()


def test_the_page_asks_for_a_file_or_a_link(client, organizer):
    client.force_login(organizer)
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    page = text(client.post(create, form_data()))
    assert "Give a link or upload a file." in page
    page = text(client.post(create, form_data(url="https://example.gov/a",
                                              upload=s.upload("a.pdf", s.PDF))))
    assert "not both" in page
    page = text(client.post(create, form_data(url="https://example.gov/a", group="",
                                              access_level="group")))
    assert "Choose the group whose members may see it." in page
    assert not Resource.objects.exists()


def test_a_lead_adds_only_under_their_groups(client, make_user, make_lead, make_group):
    mine, other = make_group("generative-ai"), make_group("nlp")
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(mine, lead)
    client.force_login(lead)
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    page = text(client.get(create))
    select = page[page.index('name="group"'):page.index("</select>", page.index('name="group"'))]
    assert f'value="{mine.pk}"' in select and f'value="{other.pk}"' not in select
    response = client.post(create, form_data(url="https://example.gov/a", group=other.pk))
    assert "Select a valid choice" in text(response) and not Resource.objects.exists()
    client.post(create, form_data(url="https://example.gov/a", group=mine.pk))
    assert Resource.objects.get().group == mine


def test_organizer_edits_and_the_history_shows_what_changed(client, organizer, make_resource):
    resource = make_resource(summary="First line.\nSecond line.")
    client.force_login(organizer)
    page = text(client.get(url("edit", resource)))
    assert 'value="AI Guide for Government"' in page
    response = client.post(url("edit", resource), form_data(
        kind="playbook", title="AI Guide for Government", summary="First line.\nNew line.",
        url=resource.url, access_level="public", published_on="2023-05-01",
        authors=resource.authors, change_summary="Rewrote the second line"))
    assert response.status_code == 302
    resource.refresh_from_db()
    assert resource.version == 2
    history = text(client.get(url("history", resource)))
    assert "Rewrote the second line" in history and "Olivia Organizer" in history
    assert "Removed: </span>Second line." in history and "Added: </span>New line." in history
    assert "Restore version 1" in history and "Restore version 2" not in history


def test_saving_an_unchanged_form_says_so(client, organizer, make_resource):
    resource = make_resource()
    client.force_login(organizer)
    response = client.post(url("edit", resource), form_data(
        kind="playbook", title=resource.title, summary=resource.summary, url=resource.url,
        access_level="public", published_on="2023-05-01", authors=resource.authors),
        follow=True)
    assert "Nothing changed" in text(response)
    assert resource.versions.count() == 1


def test_restore_on_the_history_page(client, organizer, make_resource):
    resource = make_resource()
    services.resource_edit(resource=resource, actor=organizer, data={
        **{n: getattr(resource, n) for n in services.FIELDS}, "title": "Renamed",
        "practice_areas": []})
    client.force_login(organizer)
    response = client.post(url("restore", resource, number=1), follow=True)
    assert "Restored version 1 as version 3" in text(response)
    resource.refresh_from_db()
    assert resource.title == "AI Guide for Government" and resource.version == 3
    response = client.post(url("restore", resource, number=9), follow=True)
    assert "There is no version 9." in text(response)


def test_history_query_count_is_bounded(client, organizer, make_resource,
                                        django_assert_max_num_queries):
    resource = make_resource()
    for i in range(15):
        resource, _ = services.resource_edit(resource=resource, actor=organizer, data={
            **{n: getattr(resource, n) for n in services.FIELDS}, "title": f"Title {i}",
            "practice_areas": []})
    client.force_login(organizer)
    with django_assert_max_num_queries(10):
        response = client.get(url("history", resource))
    assert text(response).count("Restore version") == 15


def test_withdraw_asks_first_then_reinstate(client, organizer, make_resource):
    resource = make_resource()
    client.force_login(organizer)
    assert "Withdraw the resource" in text(client.get(url("withdraw", resource)))
    response = client.post(url("withdraw", resource), follow=True)
    assert "no longer in the library" in text(response)
    assert "This resource was withdrawn" in text(response)
    assert "AI Guide" not in text(browse(client))
    assert "AI Guide" in text(browse(client, "ai-cop", status="withdrawn"))
    response = client.post(url("reinstate", resource), follow=True)
    assert "Reinstated" in text(response)
    assert "AI Guide" in text(browse(client))


def test_a_large_upload_is_checked_from_its_temporary_file(client, organizer, settings):
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 1024  # larger files go to a temporary file
    client.force_login(organizer)
    create = reverse("library:create", kwargs={"community": "ai-cop"})
    rows = "".join(f"GSA-{i:05d},Deployed,Mission-Enabling\n" for i in range(2000)).encode()
    docx = s.ooxml("docx", extra=tuple(f"word/media/image{i}.bin" for i in range(50)))
    client.post(create, form_data(title="Inventory extract",
                                  upload=s.upload("inventory.csv", b"id,stage,topic\n" + rows)))
    client.post(create, form_data(title="Report", upload=s.upload("report.docx", docx)))
    response = client.post(create, form_data(title="Bad", upload=s.upload(
        "report.docx", b"PK\x03\x04" + rows)))
    assert "damaged or encrypted zip" in text(response)
    assert set(Resource.objects.values_list("file_type", flat=True)) == {"csv", "docx"}
