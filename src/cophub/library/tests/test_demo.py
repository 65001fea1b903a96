"""The library part of `cophub demo`: realistic resources made through the services."""


import pytest
from django.core.files.storage import default_storage

from cophub.core.models import AuditEvent
from cophub.core.uploads import file_check
from cophub.library.models import Resource, ResourceVersion

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(run_demo):
    return run_demo(120)


def test_demo_builds_a_realistic_library_through_the_services(demo):
    """One demo run (it takes seconds), three kinds of checks."""
    files_and_links_for_both_communities(demo)
    slides_and_recordings_point_at_their_events()
    version_history_a_restore_and_a_withdrawal()


def files_and_links_for_both_communities(demo):
    resources = Resource.objects.all()
    assert 40 <= resources.count() <= 80
    assert "Library: " in demo
    assert set(resources.values_list("kind", flat=True)) == set(Resource.Kind.values)
    assert set(resources.values_list("access_level", flat=True)) == {
        "public", "signed_in", "government", "group", "organizers"}
    assert resources.filter(community__slug="data-cop").exists()
    files = resources.exclude(file="")
    assert files.count() >= 20 and resources.filter(file="").count() >= 15
    assert set(files.values_list("file_type", flat=True)) == {"pdf", "csv", "md"}
    for resource in files:
        assert default_storage.exists(resource.file.name)
        with resource.file.open("rb") as handle:
            from django.core.files.uploadedfile import SimpleUploadedFile

            content = SimpleUploadedFile(resource.file_name, handle.read())
        assert file_check(content).type_key == resource.file_type


def slides_and_recordings_point_at_their_events():
    slides = Resource.objects.filter(kind="presentation", source_event__isnull=False)
    assert slides.count() >= 15
    assert all(r.source_event.community_id == r.community_id for r in slides)
    assert all(r.published_on >= r.source_event.starts_at.date() for r in slides)
    training = Resource.objects.filter(kind="recording", source_event__kind="training")
    assert training.count() == 8
    assert set(training.values_list("access_level", flat=True)) == {"government"}
    assert Resource.objects.filter(title="AI Guide for Government").exists()
    tagged = Resource.objects.filter(practice_areas__slug="generative-ai").distinct()
    assert tagged.count() >= 5


def version_history_a_restore_and_a_withdrawal():
    assert ResourceVersion.objects.count() == Resource.objects.count() + 4
    guide = Resource.objects.get(title="AI Guide for Government")
    assert guide.version == 2 and "New chapters" in guide.summary
    prompts = Resource.objects.get(title="Prompt library for public servants")
    latest = prompts.versions.get(number=2)
    assert latest.editor.email == "lead@nih.gov"
    assert latest.data["file"]["name"] != prompts.versions.get(number=1).data["file"]["name"]
    card = Resource.objects.get(title="Model card template for agency AI systems")
    assert card.version == 3 and card.versions.get(number=3).summary == "Restored version 1"
    assert Resource.objects.filter(withdrawn_at__isnull=False).count() == 1
    assert AuditEvent.objects.filter(verb="library.resource.created").count() == \
        Resource.objects.count()
