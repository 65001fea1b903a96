"""Uploads are checked by content, name and size before anything is stored."""

import pytest
from django.core.exceptions import ValidationError

from cophub.core.uploads import clean_file_name, file_check
from cophub.library.models import Resource, ResourceVersion

from . import samples as s
from .conftest import stored_files

pytestmark = pytest.mark.django_db

GOOD = [
    ("slides.pdf", s.PDF, "pdf"), ("deck.pptx", s.ooxml("pptx"), "pptx"),
    ("report.docx", s.ooxml("docx"), "docx"), ("budget.xlsx", s.ooxml("xlsx"), "xlsx"),
    ("old.doc", s.DOC, "doc"), ("old.xls", s.XLS, "xls"), ("old.ppt", s.PPT, "ppt"),
    ("data.csv", s.CSV, "csv"), ("notes.txt", "Notes — café\n".encode(), "txt"),
    ("prompts.md", s.MARKDOWN, "md"), ("prompts.markdown", s.MARKDOWN, "md"),
    ("inventory.json", s.JSON, "json"), ("chart.png", s.PNG, "png"),
    ("photo.jpg", s.JPEG, "jpeg"), ("photo.JPEG", s.JPEG, "jpeg"),
    ("session.mp4", s.MP4, "mp4"), ("podcast.m4a", s.M4A, "m4a"),
    ("session.webm", s.WEBM, "webm"), ("bom.csv", b"\xef\xbb\xbfa,b\n1,2\n", "csv"),
]


@pytest.mark.parametrize(("name", "content", "kind"), GOOD)
def test_accepted_types_are_recognised_by_content(name, content, kind):
    checked = file_check(s.upload(name, content))
    assert checked.type_key == kind and checked.name == name and checked.size == len(content)


BAD = [
    ("minutes.pdf", s.EXE, "not a PDF file; it looks like a Windows program"),
    ("minutes.pdf", s.ELF, "not a PDF file"),
    ("minutes.pdf", s.HTML, "not a PDF file; it looks like a web page (HTML)"),
    ("report.docx", s.PDF, "not a Word file; it looks like a PDF"),
    ("report.docx", b"just some text, not a zip", "not a Word file"),
    ("report.docx", s.plain_zip(), "it is a zip archive, not an Office document"),
    ("report.docx", s.ooxml("pptx"), "not a Word file: it is a PowerPoint file"),
    ("report.docx", s.ooxml("docx", content_types=False), "not an Office document"),
    ("report.docx", b"PK\x03\x04" + b"\x00" * 100, "damaged or encrypted zip"),
    ("budget.xls", s.DOC, "not an Excel 97–2003 file: it is a Word 97–2003 file"),
    ("old.doc", s.DOC[:700], "damaged Office file"),
    ("old.doc", s.ole("Contents"), "not a Word, Excel or PowerPoint file"),
    ("data.csv", "a,b\n1,2\n".encode("utf-16"), "not a CSV file: it is not UTF-8 text"),
    ("data.csv", b"a,b\n\x00\x01\x02,3\n", "not a CSV file"),
    ("notes.txt", s.HTML, "not a plain text file; it looks like a web page (HTML)"),
    ("notes.md", s.SVG, "it looks like an SVG image"),
    ("data.json", b'{"a": [1, 2', "not valid JSON"),
    ("chart.png", s.JPEG, "not a PNG image file; it looks like a JPEG image"),
    ("photo.jpg", b"GIF89a" + b"\x00" * 40, "it looks like a GIF image"),
    ("session.mp4", s.HEIC, "it looks like a HEIC image"),
    ("session.webm", s.MP4, "not a WebM video file"),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD)
def test_content_that_does_not_match_the_extension_is_refused(name, content, message):
    with pytest.raises(ValidationError) as caught:
        file_check(s.upload(name, content))
    assert message in caught.value.messages[0]
    assert "Upload the original file" in caught.value.messages[0]


@pytest.mark.parametrize(("name", "content"), [
    ("deck.docx", s.ooxml("docm")),
    ("deck.docx", s.ooxml("docx", extra=("word/vbaProject.bin",))),
    ("old.doc", s.DOC_WITH_MACROS),
    ("old.ppt", s.ole("PowerPoint Document", "VBA")),
])
def test_office_files_with_macros_are_refused(name, content):
    with pytest.raises(ValidationError, match="contains macros"):
        file_check(s.upload(name, content))


@pytest.mark.parametrize("name", ["budget.xlsm", "deck.pptm", "report.docm", "addin.xlam"])
def test_macro_enabled_extensions_are_refused(name):
    with pytest.raises(ValidationError, match="Files with macros"):
        file_check(s.upload(name, s.ooxml("docx")))


@pytest.mark.parametrize(("name", "message"), [
    ("setup.exe", ".exe files are not accepted"),
    ("page.html", ".html files are not accepted"),
    ("image.svg", ".svg files are not accepted"),
    ("README", "Files without an extension are not accepted"),
])
def test_other_extensions_are_refused_with_the_accepted_list(name, message):
    with pytest.raises(ValidationError) as caught:
        file_check(s.upload(name, s.PDF))
    assert message in caught.value.messages[0] and "PDF" in caught.value.messages[0]


@pytest.mark.parametrize(("name", "message"), [
    ("minutes.exe.pdf", "hides a .exe extension"),
    ("slides.html.pdf", "hides a .html extension"),
    ("invoice\u202efdp.exe", "invisible or control characters"),
    ("zero\u200bwidth.pdf", "invisible or control characters"),
    ("tab\tname.pdf", "invisible or control characters"),
    (".htaccess.pdf", "may not start or end with a dot"),
    ("CON.pdf", "reserved by Windows"),
    ("lpt1.pdf", "reserved by Windows"),
    ('what?.pdf', "may not contain"),
    ("a" * 201 + ".pdf", "longer than 200 characters"),
])
def test_dangerous_names_are_refused(name, message):
    with pytest.raises(ValidationError, match=message):
        file_check(s.upload(name, s.PDF))


def test_names_are_kept_without_their_path_and_normalised():
    assert clean_file_name("C:\\Users\\pat\\AI  guide (v2).pdf") == "AI guide (v2).pdf"
    assert clean_file_name("../../etc/slides.pdf") == "slides.pdf"
    assert clean_file_name("Cafe\u0301.pdf") == "Café.pdf"


def test_empty_and_oversize_files_are_refused(settings):
    with pytest.raises(ValidationError, match="The file is empty"):
        file_check(s.upload("slides.pdf", b""))
    settings.COPHUB_UPLOAD_MAX_MB = 1
    big = s.PDF + b"%" * (1024 * 1024)
    with pytest.raises(ValidationError, match="larger than the limit of 1 MB"):
        file_check(s.upload("slides.pdf", big))


@pytest.mark.parametrize(("name", "content"), [
    ("minutes.pdf", s.EXE), ("minutes.pdf", s.HTML), ("report.docx", b"not a zip at all"),
    ("report.docx", s.ooxml("docm")), ("minutes.exe.pdf", s.PDF), ("empty.pdf", b""),
])
def test_a_refused_upload_stores_nothing(make_resource, name, content):
    before = stored_files()
    with pytest.raises(ValidationError) as caught:
        make_resource(upload=s.upload(name, content))
    assert "upload" in caught.value.message_dict
    assert stored_files() == before
    assert not Resource.objects.exists() and not ResourceVersion.objects.exists()


def test_an_oversize_upload_stores_nothing(make_resource, settings):
    settings.COPHUB_UPLOAD_MAX_MB = 1
    before = stored_files()
    with pytest.raises(ValidationError, match="larger than the limit"):
        make_resource(upload=s.upload("big.pdf", s.PDF + b"%" * (1024 * 1024)))
    assert stored_files() == before and not Resource.objects.exists()
