"""Materials attached to an event after it happens: recordings, slides and other files or
links, each with its own access level (recordings default to government members only).

Files are never given a public media URL: `material_serve_view` checks access on every
request and streams the file as an attachment."""

import os
import zipfile

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils.text import slugify

from cophub.communities.models import Community
from cophub.communities.selectors import request_viewer, viewer_for
from cophub.core.access import AccessLevel
from cophub.core.audit import audit_record

from .models import Event, Material
from .selectors import events_visible_to, material_visible

MAX_FILE_BYTES = 100 * 1024 * 1024
ALLOWED_TYPES = {  # extension → content type
    "pdf": "application/pdf",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "mp4": "video/mp4",
}
# ISO base media brands that are MP4 video (not QuickTime, HEIF images or audio-only M4A).
MP4_BRANDS = {b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1",
              b"M4V ", b"M4VH", b"M4VP", b"mmp4", b"MSNV", b"NDAS", b"dash", b"f4v "}
DEFAULT_ACCESS = {
    Material.Kind.RECORDING: AccessLevel.GOVERNMENT,
    Material.Kind.SLIDES: AccessLevel.PUBLIC,
    Material.Kind.OTHER: AccessLevel.GOVERNMENT,
}


def _sniff(upload) -> str | None:
    """The file's type from its first bytes (and, for pptx, its zip directory)."""
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if len(head) >= 12 and head[4:8] == b"ftyp" and head[8:12] in MP4_BRANDS:
        return "mp4"
    if head.startswith(b"PK\x03\x04"):
        try:
            # Only the central directory is read; nothing is extracted.
            with zipfile.ZipFile(upload) as archive:
                names = set(archive.namelist())
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        finally:
            upload.seek(0)
        if "[Content_Types].xml" in names and "ppt/presentation.xml" in names:
            return "pptx"
    return None


def material_file_check(upload) -> str:
    """The extension of an acceptable upload; raises ValidationError with a message for
    people. The content must match the extension: a renamed file is refused."""
    if upload.size > MAX_FILE_BYTES:
        raise ValidationError(f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB. "
                              "Link to the recording on a video service instead.")
    extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
    if extension not in ALLOWED_TYPES:
        raise ValidationError("Upload a PDF, a PowerPoint (.pptx) or an MP4 video.")
    if _sniff(upload) != extension:
        raise ValidationError(f"The file's content is not a {extension.upper()} file. "
                              "Upload the original file, not a renamed one.")
    return extension


def _check_may_manage(actor, event: Event) -> None:
    viewer = viewer_for(actor)
    if not (viewer.is_organizer(event.community_id)
            or (event.group_id and viewer.leads(event.group_id))):
        raise PermissionDenied("Only organizers attach materials.")


def material_add(*, event: Event, actor, title: str, kind: str, url: str = "", upload=None,
                 access_level: str = "", request=None) -> Material:
    """Attach a link or a checked file (exactly one) to an event. An empty access level
    takes the kind's default: government members for recordings, everyone for slides."""
    _check_may_manage(actor, event)
    if bool(url) == bool(upload):
        raise ValidationError("Give either a link or a file, not both.")
    if kind not in Material.Kind.values:
        raise ValidationError("Choose recording, slides or other.")
    material = Material(event=event, kind=kind, title=title.strip(), url=url,
                        access_level=access_level or DEFAULT_ACCESS[kind])
    if upload is not None:
        extension = material_file_check(upload)
        # Our own name: the uploader's name is theirs to choose and may carry anything.
        base = slugify(material.title)[:80] or "material"
        material.file.save(f"{base}.{extension}", upload, save=False)
    try:
        material.full_clean()
        with transaction.atomic():
            material.save()
            audit_record(actor=actor, verb="events.material.added", obj=event,
                         scope=event.community.slug, request=request,
                         data={"material": material.pk, "title": material.title,
                               "kind": kind, "access_level": material.access_level})
    except Exception:
        if material.file:
            material.file.delete(save=False)
        raise
    return material


def material_delete(*, material: Material, actor, request=None) -> None:
    event = material.event
    _check_may_manage(actor, event)
    with transaction.atomic():
        audit_record(actor=actor, verb="events.material.deleted", obj=event,
                     scope=event.community.slug, request=request,
                     data={"material": material.pk, "title": material.title})
        name = material.file.name if material.file else ""
        storage = material.file.storage if material.file else None
        material.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))


def material_serve_view(request, community, pk, material_pk):
    """GET: a link redirects, a file streams as an attachment. 404 unless the viewer may see
    both the event and the material."""
    community = get_object_or_404(Community, slug=community)
    viewer = request_viewer(request)
    event = get_object_or_404(events_visible_to(viewer=viewer, community=community), pk=pk)
    material = get_object_or_404(Material, event=event, pk=material_pk)
    material.event = event
    if not material_visible(viewer=viewer, user=request.user, material=material):
        raise Http404("No such material")
    if material.url:
        response = HttpResponseRedirect(material.url)
    else:
        try:
            handle = material.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404("The file is missing") from None
        extension = os.path.splitext(material.file.name)[1].lower().lstrip(".")
        response = FileResponse(handle, as_attachment=True,
                                filename=os.path.basename(material.file.name),
                                content_type=ALLOWED_TYPES.get(extension,
                                                               "application/octet-stream"))
    # Access differs per person: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response
