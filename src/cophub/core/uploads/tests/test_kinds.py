"""The checker with the kinds and the limit a caller gives (every kind's content checks are
tested with the library's files in library/tests/test_uploads.py): here what events'
materials need — PDF, PowerPoint and MP4 video, at most 100 MB."""

import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from cophub.core.uploads import FILE_TYPES, VIDEO_KINDS, accepted_description, file_check

MATERIALS = ("pdf", "pptx", "mp4")
PDF = (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]"
       b"/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
M4A = b"\x00\x00\x00\x18ftypM4A \x00\x00\x00\x00M4A isom" + b"\x00" * 64
OTHER = b"\x00" * 64  # refused by its extension before its content is read


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


@pytest.mark.parametrize(("name", "content", "kind"), [
    ("slides.pdf", PDF, "pdf"), ("session.mp4", MP4, "mp4"),
])
def test_a_caller_accepts_its_kinds(name, content, kind):
    checked = file_check(upload(name, content), kinds=MATERIALS)
    assert checked.type_key == kind and checked.name == name
    assert FILE_TYPES[checked.type_key].extensions == (kind,)


@pytest.mark.parametrize("name", ["notes.docx", "podcast.m4a", "clip.webm", "photo.png"])
def test_kinds_the_caller_does_not_accept_are_refused_with_its_list(name):
    with pytest.raises(ValidationError) as refused:
        file_check(upload(name, OTHER), kinds=MATERIALS)
    assert refused.value.messages == [
        f".{name.rsplit('.', 1)[1]} files are not accepted. Upload one of: PDF (.pdf), "
        "PowerPoint (.pptx) or MP4 video (.mp4)."]


def test_an_audio_only_mp4_is_not_a_video():
    with pytest.raises(ValidationError, match="not an MP4 video file"):
        file_check(upload("podcast.mp4", M4A), kinds=VIDEO_KINDS)


def test_the_caller_sets_the_limit_and_what_to_do_instead():
    with pytest.raises(ValidationError) as refused:
        file_check(upload("slides.pdf", PDF), kinds=MATERIALS, max_bytes=100,
                   too_large_hint="Link to the recording on a video service instead.")
    assert refused.value.messages[0].endswith(
        "MB. Link to the recording on a video service instead.")


def test_an_unknown_kind_is_a_programming_error():
    with pytest.raises(ValueError, match="exe"):
        file_check(upload("slides.pdf", PDF), kinds=("pdf", "exe"))


def test_all_kinds_are_described_as_before():
    assert accepted_description(None) == accepted_description(FILE_TYPES)
    assert accepted_description(None).endswith("MP4 or WebM recordings")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", (
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'))
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


HEIC = b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64


@pytest.mark.parametrize(("name", "content", "code"), [
    ("deck.pdf", b"MZ\x90\x00 this is a Windows program", "content"),
    ("recording.mp4", PDF, "content"),
    ("photo.mp4", HEIC, "content"),
    ("deck.pptx", _docx(), "content"),
    ("deck.pptx", b"PK\x03\x04 broken zip", "content"),
    ("script.html", b"<script>alert(1)</script>", "kind"),
    ("deck", PDF, "kind"),
    ("deck.pdf", b"", "empty"),
    ("minutes.exe.pdf", PDF, "name"),
])
def test_each_refusal_says_which_rule_it_broke(name, content, code):
    """So that a caller can word its own messages (events' materials say "Upload a PDF, a
    PowerPoint (.pptx) or an MP4 video.")."""
    with pytest.raises(ValidationError) as refused:
        file_check(upload(name, content), kinds=MATERIALS)
    assert refused.value.code == code
