"""Creating, editing (with versions), restoring, withdrawing: the services' guarantees."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage

from cophub.core.models import AuditEvent
from cophub.library import services
from cophub.library.models import Resource, ResourceVersion

from . import samples as s
from .conftest import stored_files

pytestmark = pytest.mark.django_db


def edit(resource, actor, *, upload=None, summary="", **changes):
    data = {name: getattr(resource, name) for name in services.FIELDS}
    data["practice_areas"] = list(resource.practice_areas.all())
    data.update(changes)
    return services.resource_edit(resource=resource, actor=actor, data=data, upload=upload,
                                  change_summary=summary)


# --- Creating --------------------------------------------------------------------------------

def test_a_file_is_stored_through_default_storage_under_a_random_name(make_resource):
    resource = make_resource(kind="presentation", title="Evaluating LLMs",
                             upload=s.upload("Evaluating LLMs (final).pdf", s.PDF))
    assert resource.file.storage is default_storage
    assert default_storage.exists(resource.file.name)
    name = resource.file.name
    assert name.startswith("library/") and "Evaluating" not in name and "." not in name
    assert resource.file_name == "Evaluating LLMs (final).pdf"
    assert (resource.file_type, resource.file_size, resource.url) == ("pdf", len(s.PDF), "")
    with default_storage.open(name, "rb") as handle:
        assert handle.read() == s.PDF


def test_creating_records_version_one_and_an_audit_row(make_resource, organizer, make_group):
    area = make_group("generative-ai")
    resource = make_resource(practice_areas=[area], authors="  Ada Lovelace, GSA \n\n Bob, VA ")
    version = resource.versions.get()
    assert (version.number, version.editor, version.summary) == (1, organizer,
                                                                 "Added to the library")
    assert version.data["practice_areas"] == [{"id": area.pk, "name": area.name}]
    assert version.data["file"] is None and version.data["url"] == resource.url
    assert resource.authors == "Ada Lovelace, GSA\nBob, VA"
    assert resource.slug == "ai-guide-for-government"
    audit = AuditEvent.objects.get(verb="library.resource.created")
    assert audit.actor == organizer and audit.scope == "ai-cop"


def test_a_resource_is_a_file_or_a_link_never_both_nor_neither(make_resource):
    with pytest.raises(ValidationError, match="one of the two"):
        make_resource(upload=s.upload("a.pdf", s.PDF), url="https://example.gov/a")
    with pytest.raises(ValidationError, match="one of the two"):
        make_resource(url="")
    assert not Resource.objects.exists() and stored_files() == set()


def test_a_link_resource_needs_a_link(make_resource):
    with pytest.raises(ValidationError) as caught:
        make_resource(kind="link", url="", upload=s.upload("a.pdf", s.PDF))
    assert "url" in caught.value.message_dict


def test_group_members_only_needs_a_group(make_resource):
    with pytest.raises(ValidationError) as caught:
        make_resource(access_level="group")
    assert "access_level" in caught.value.message_dict


def test_relations_must_belong_to_the_community(make_resource, make_group, community):
    from cophub.communities.models import Community, Group

    other = Community.objects.create(slug="data-cop", name="Data CoP")
    foreign = Group.objects.create(community=other, slug="open-data", name="Open Data",
                                   kind="practice_area")
    working = make_group("tools", kind="working_group")
    with pytest.raises(ValidationError) as caught:
        make_resource(group=foreign, practice_areas=[foreign, working])
    assert set(caught.value.message_dict) == {"group", "practice_areas"}


def test_members_cannot_add_resources(make_resource, gov_member):
    with pytest.raises(PermissionDenied):
        make_resource(actor=gov_member)
    assert not Resource.objects.exists()


def test_a_lead_adds_resources_only_to_their_own_group(make_resource, make_user, make_lead,
                                                       make_group):
    mine, other = make_group("generative-ai"), make_group("nlp")
    lead = make_user("lead@nih.gov", mfa=True)
    make_lead(mine, lead)
    assert make_resource(actor=lead, group=mine).group == mine
    with pytest.raises(PermissionDenied):
        make_resource(actor=lead, group=other)
    with pytest.raises(PermissionDenied):
        make_resource(actor=lead, group=None)


def test_a_failed_database_write_removes_the_stored_file(make_resource, monkeypatch):
    def boom(**kwargs):
        raise RuntimeError("database down")

    monkeypatch.setattr(services, "audit_record", boom)
    with pytest.raises(RuntimeError):
        make_resource(upload=s.upload("a.pdf", s.PDF), url="")
    assert stored_files() == set() and not Resource.objects.exists()


# --- Editing and versions --------------------------------------------------------------------

def test_an_edit_writes_a_version_with_the_changes_and_an_audit_row(make_resource, organizer):
    resource = make_resource()
    resource, changed = edit(resource, organizer, title="AI Guide for Government (2024)",
                             summary="Added the MLOps chapter")
    assert changed and resource.version == 2 and resource.slug == "ai-guide-for-government-2024"
    version = resource.versions.get(number=2)
    assert version.data["title"] == "AI Guide for Government (2024)"
    assert version.summary == "Added the MLOps chapter" and version.editor == organizer
    audit = AuditEvent.objects.get(verb="library.resource.updated")
    assert audit.data == {"version": 2, "fields": ["title"]}


def test_saving_without_changes_writes_no_version(make_resource, organizer):
    resource = make_resource()
    resource, changed = edit(resource, organizer)
    assert not changed and resource.version == 1 and resource.versions.count() == 1
    assert not AuditEvent.objects.filter(verb="library.resource.updated").exists()


def test_a_new_upload_replaces_the_file_and_the_old_one_stays_for_the_history(
        make_resource, organizer):
    resource = make_resource(upload=s.upload("v1.pdf", s.PDF), url="")
    first = resource.file.name
    resource, _ = edit(resource, organizer, upload=s.upload("v2.docx", s.ooxml("docx")))
    assert resource.file.name != first and resource.file_name == "v2.docx"
    assert resource.file_type == "docx"
    assert default_storage.exists(first) and default_storage.exists(resource.file.name)
    assert resource.versions.get(number=1).data["file"]["name"] == first


def test_a_link_can_replace_a_file_and_a_file_a_link(make_resource, organizer):
    resource = make_resource(upload=s.upload("v1.pdf", s.PDF), url="")
    resource, _ = edit(resource, organizer, url="https://www.example.gov/guide")
    assert not resource.file and resource.file_name == "" and resource.url
    with pytest.raises(ValidationError, match="not both"):
        edit(resource, organizer, upload=s.upload("v2.pdf", s.PDF))
    resource, _ = edit(resource, organizer, url="", upload=s.upload("v3.pdf", s.PDF))
    assert resource.file and resource.url == "" and resource.version == 3


def test_a_refused_upload_on_edit_changes_nothing(make_resource, organizer):
    resource = make_resource(upload=s.upload("v1.pdf", s.PDF), url="")
    before = stored_files()
    with pytest.raises(ValidationError):
        edit(resource, organizer, title="Changed", upload=s.upload("v2.pdf", s.EXE))
    resource.refresh_from_db()
    assert resource.title == "AI Guide for Government" and resource.version == 1
    assert stored_files() == before


def test_restoring_an_old_version_is_a_new_edit(make_resource, organizer, make_group):
    area = make_group("generative-ai")
    resource = make_resource(upload=s.upload("v1.pdf", s.PDF), url="", practice_areas=[area])
    first = resource.file.name
    resource, _ = edit(resource, organizer, title="Renamed", practice_areas=[],
                       upload=s.upload("v2.pdf", s.PDF))
    resource = services.resource_restore_version(resource=resource, number=1, actor=organizer)
    assert resource.version == 3 and resource.title == "AI Guide for Government"
    assert resource.file.name == first and resource.file_name == "v1.pdf"
    assert list(resource.practice_areas.all()) == [area]
    latest = resource.versions.get(number=3)
    assert latest.summary == "Restored version 1"
    assert latest.data == {**resource.versions.get(number=1).data}
    assert AuditEvent.objects.filter(verb="library.resource.restored",
                                     data__restored=1).exists()
    assert ResourceVersion.objects.count() == 3


def test_restoring_a_version_whose_file_is_gone_is_refused(make_resource, organizer):
    resource = make_resource(upload=s.upload("v1.pdf", s.PDF), url="")
    first = resource.file.name
    resource, _ = edit(resource, organizer, upload=s.upload("v2.pdf", s.PDF))
    default_storage.delete(first)
    with pytest.raises(ValidationError, match="no longer in storage"):
        services.resource_restore_version(resource=resource, number=1, actor=organizer)
    with pytest.raises(ValidationError, match="no version 7"):
        services.resource_restore_version(resource=resource, number=7, actor=organizer)
    resource.refresh_from_db()
    assert resource.version == 2


def test_members_and_other_leads_cannot_edit(make_resource, gov_member, make_user, make_lead,
                                             make_group):
    group, other = make_group("generative-ai"), make_group("nlp")
    resource = make_resource(group=group)
    stranger = make_user("lead@nasa.gov")
    make_lead(other, stranger)
    for person in (gov_member, stranger):
        with pytest.raises(PermissionDenied):
            edit(resource, person, title="Defaced")
        with pytest.raises(PermissionDenied):
            services.resource_withdraw(resource=resource, actor=person)
    resource.refresh_from_db()
    assert resource.title == "AI Guide for Government" and not resource.withdrawn


def test_the_groups_lead_edits_but_cannot_move_it_to_a_group_they_do_not_lead(
        make_resource, make_user, make_lead, make_group):
    group, other = make_group("generative-ai"), make_group("nlp")
    resource = make_resource(group=group)
    lead = make_user("lead@nih.gov")
    make_lead(group, lead)
    resource, _ = edit(resource, lead, title="Edited by the lead")
    assert resource.versions.get(number=2).editor == lead
    with pytest.raises(ValidationError) as caught:
        edit(resource, lead, group=other)
    assert "group" in caught.value.message_dict


# --- Withdrawing -----------------------------------------------------------------------------

def test_withdraw_and_reinstate_are_audited_and_idempotent(make_resource, organizer):
    resource = make_resource()
    services.resource_withdraw(resource=resource, actor=organizer)
    services.resource_withdraw(resource=resource, actor=organizer)
    resource.refresh_from_db()
    assert resource.withdrawn and resource.withdrawn_by == organizer
    assert AuditEvent.objects.filter(verb="library.resource.withdrawn").count() == 1
    services.resource_reinstate(resource=resource, actor=organizer)
    resource.refresh_from_db()
    assert not resource.withdrawn
    assert AuditEvent.objects.filter(verb="library.resource.reinstated").count() == 1
    assert Resource.objects.count() == 1
