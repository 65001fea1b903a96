"""Recordings, slides and other materials: checked uploads, access levels, serving."""

import io
import zipfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cophub.communities.services import group_join
from cophub.core.models import AuditEvent
from cophub.events.models import Material
from cophub.events.services import material_add, material_delete
from cophub.events.services import materials as materials_module

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


PPTX_MAIN = "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"


def office_zip(*names: str, main: str = "") -> bytes:
    """A zip with `names`; its [Content_Types].xml names `main` as the main part's type."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            content = "<xml/>"
            if name == "[Content_Types].xml" and main:
                content = ('<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
                           'content-types"><Override PartName="/ppt/presentation.xml" '
                           f'ContentType="{main}"/></Types>')
            archive.writestr(name, content)
    return buffer.getvalue()


PPTX = office_zip("[Content_Types].xml", "ppt/presentation.xml", "ppt/slides/slide1.xml",
                  main=PPTX_MAIN)
DOCX = office_zip("[Content_Types].xml", "word/document.xml")


def stored_files() -> set[str]:
    root = Path(settings.MEDIA_ROOT) / "events" / "materials"
    return {str(p) for p in root.rglob("*") if p.is_file()}


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


@pytest.fixture
def event(make_event):
    return make_event(title="Responsible AI in procurement")


def material_url(material):
    return reverse("events:material", kwargs={"community": "ai-cop", "pk": material.event_id,
                                              "material_pk": material.pk})


# --- Adding -------------------------------------------------------------------------------

def test_recordings_default_to_government_members_and_slides_to_everyone(event, organizer):
    recording = material_add(event=event, actor=organizer, title="Recording",
                             kind="recording", url="https://video.example.gov/r/1")
    slides = material_add(event=event, actor=organizer, title="Slides", kind="slides",
                          upload=upload("deck.pdf", PDF))
    other = material_add(event=event, actor=organizer, title="Notes", kind="other",
                         url="https://example.gov/notes", access_level="signed_in")
    assert (recording.access_level, slides.access_level, other.access_level) == (
        "government", "public", "signed_in")
    assert AuditEvent.objects.filter(verb="events.material.added").count() == 3


@pytest.mark.parametrize("name,content,kind", [
    ("deck.pdf", PDF, "pdf"), ("deck.PPTX", PPTX, "pptx"), ("session.mp4", MP4, "mp4"),
])
def test_pdf_pptx_and_mp4_are_accepted_by_content_and_stored_under_our_name(
        event, organizer, name, content, kind):
    material = material_add(event=event, actor=organizer, title="Session 1: Prompting <b>",
                            kind="slides", upload=upload(name, content))
    assert material.file.name.endswith(f"session-1-prompting-b.{kind}")
    assert material.file.read() == content


@pytest.mark.parametrize("name,content,message", [
    ("deck.pdf", b"MZ\x90\x00 this is a Windows program", "not a PDF"),
    ("recording.mp4", PDF, "not a MP4"),
    ("photo.mp4", HEIC, "not a MP4"),
    ("deck.pptx", DOCX, "not a PPTX"),
    ("deck.pptx", b"PK\x03\x04 broken zip", "not a PPTX"),
    ("script.html", b"<script>alert(1)</script>", "Upload a PDF"),
    ("deck", PDF, "Upload a PDF"),
])
def test_files_whose_content_does_not_match_are_refused_and_not_stored(
        event, organizer, name, content, message):
    before = stored_files()
    with pytest.raises(ValidationError, match=message):
        material_add(event=event, actor=organizer, title="Deck", kind="slides",
                     upload=upload(name, content))
    assert not Material.objects.exists()
    assert stored_files() == before


def test_a_file_over_the_limit_is_refused(event, organizer, monkeypatch):
    monkeypatch.setattr(materials_module, "MAX_FILE_BYTES", len(PDF) - 1)
    with pytest.raises(ValidationError, match="larger than"):
        material_add(event=event, actor=organizer, title="Deck", kind="slides",
                     upload=upload("deck.pdf", PDF))


def test_a_material_is_a_link_or_a_file_not_both(event, organizer):
    with pytest.raises(ValidationError, match="either a link or a file"):
        material_add(event=event, actor=organizer, title="Deck", kind="slides",
                     url="https://example.gov/deck.pdf", upload=upload("deck.pdf", PDF))
    with pytest.raises(ValidationError, match="either a link or a file"):
        material_add(event=event, actor=organizer, title="Deck", kind="slides")


def test_only_organizers_add_and_remove_materials(event, organizer, gov_member):
    with pytest.raises(PermissionDenied):
        material_add(event=event, actor=gov_member, title="Mine", kind="other",
                     url="https://example.com")
    material = material_add(event=event, actor=organizer, title="Deck", kind="slides",
                            upload=upload("deck.pdf", PDF))
    with pytest.raises(PermissionDenied):
        material_delete(material=material, actor=gov_member)
    assert Material.objects.count() == 1


def test_removing_a_material_deletes_its_file(event, organizer,
                                              django_capture_on_commit_callbacks):
    material = material_add(event=event, actor=organizer, title="Deck", kind="slides",
                            upload=upload("deck.pdf", PDF))
    name = material.file.name
    with django_capture_on_commit_callbacks(execute=True):
        material_delete(material=material, actor=organizer)
    assert not Material.objects.exists() and not default_storage.exists(name)


# --- Serving and access -------------------------------------------------------------------

@pytest.fixture
def recording(event, organizer):
    return material_add(event=event, actor=organizer, title="Recording", kind="recording",
                        upload=upload("recording.mp4", MP4))


@pytest.mark.parametrize("who,status", [
    ("anonymous", 404), ("public", 404), ("government", 200), ("organizer", 200),
])
def test_government_recordings_are_404_for_the_public_and_stream_to_members(
        client, recording, who, status, public_user, gov_member, organizer):
    people = {"public": public_user, "government": gov_member, "organizer": organizer}
    if who in people:
        client.force_login(people[who])
    response = client.get(material_url(recording))
    assert response.status_code == status
    if status == 200:
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Content-Type"] == "video/mp4"
        assert "no-store" in response["Cache-Control"]
        assert b"".join(response.streaming_content) == MP4


def test_link_materials_redirect_after_the_access_check(client, event, organizer, public_user):
    slides = material_add(event=event, actor=organizer, title="Slides", kind="slides",
                          url="https://slides.example.gov/deck")
    response = client.get(material_url(slides))
    assert response.status_code == 302
    assert response["Location"] == "https://slides.example.gov/deck"
    hidden = material_add(event=event, actor=organizer, title="Recording", kind="recording",
                          url="https://video.example.gov/secret")
    client.force_login(public_user)
    assert client.get(material_url(hidden)).status_code == 404


def test_public_material_of_a_government_event_is_404_for_the_public(
        client, make_event, organizer, public_user):
    event = make_event(access_level="government")
    slides = material_add(event=event, actor=organizer, title="Slides", kind="slides",
                          upload=upload("deck.pdf", PDF))
    client.force_login(public_user)
    assert client.get(material_url(slides)).status_code == 404


def test_group_materials_are_for_the_group_members(client, make_event, make_group, organizer,
                                                    gov_member, make_user):
    group = make_group("generative-ai")
    event = make_event(group=group)
    notes = material_add(event=event, actor=organizer, title="Notes", kind="other",
                         url="https://example.gov/notes", access_level="group")
    outsider = make_user("outsider@nasa.gov")
    client.force_login(outsider)
    assert client.get(material_url(notes)).status_code == 404
    group_join(group=group, user=gov_member)
    client.force_login(gov_member)
    assert client.get(material_url(notes)).status_code == 302


def test_a_material_is_only_found_under_its_own_event(client, make_event, recording,
                                                      organizer):
    other = make_event(title="Another event")
    client.force_login(organizer)
    url = reverse("events:material", kwargs={"community": "ai-cop", "pk": other.pk,
                                             "material_pk": recording.pk})
    assert client.get(url).status_code == 404


# --- The organizer page -------------------------------------------------------------------

def test_organizer_adds_a_file_on_the_page_and_no_media_url_is_shown(client, event, organizer):
    client.force_login(organizer)
    url = reverse("events:materials", kwargs={"community": "ai-cop", "pk": event.pk})
    response = client.post(url, {"title": "Slides", "kind": "slides", "access_level": "",
                                 "file": upload("deck.pdf", PDF)})
    assert response.status_code == 302
    material = Material.objects.get()
    assert material.access_level == "public"
    page = client.get(url).content.decode()
    assert material_url(material) in page and "/media/" not in page


def test_organizer_page_explains_a_refused_file(client, event, organizer):
    client.force_login(organizer)
    url = reverse("events:materials", kwargs={"community": "ai-cop", "pk": event.pk})
    response = client.post(url, {"title": "Slides", "kind": "slides",
                                 "file": upload("deck.pdf", b"GIF89a not a pdf")})
    assert response.status_code == 400
    assert "not a PDF file" in response.content.decode()
    assert not Material.objects.exists()


def test_organizer_removes_a_material_on_the_page(client, event, organizer, recording):
    client.force_login(organizer)
    url = reverse("events:material_delete", kwargs={"community": "ai-cop", "pk": event.pk,
                                                    "material_pk": recording.pk})
    assert client.get(url).status_code == 405
    assert client.post(url).status_code == 302
    assert not Material.objects.exists()


def test_materials_page_query_count_does_not_grow(client, event, organizer,
                                                  django_assert_max_num_queries):
    for i in range(20):
        material_add(event=event, actor=organizer, title=f"Part {i}", kind="recording",
                     url=f"https://video.example.gov/{i}")
    client.force_login(organizer)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("events:materials",
                                      kwargs={"community": "ai-cop", "pk": event.pk}))
    assert response.status_code == 200 and "Part 19" in response.content.decode()
