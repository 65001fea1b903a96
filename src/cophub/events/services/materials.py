"""Materials attached to an event after it happens: recordings, slides and other files or
links, each with its own access level (recordings default to government members only).

Files are never given a public media URL: `views.materials.material_serve_view` checks
access on every request and streams the file as an attachment."""

import os

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.text import slugify

from cophub.core.access import AccessLevel, can_manage, viewer_for_user
from cophub.core.audit import audit_record
from cophub.core.uploads import FILE_TYPES, TYPE_BY_EXTENSION, file_check

from ..models import Event, Material

DEFAULT_ACCESS = {
    Material.Kind.RECORDING: AccessLevel.GOVERNMENT,
    Material.Kind.SLIDES: AccessLevel.PUBLIC,
    Material.Kind.OTHER: AccessLevel.GOVERNMENT,
}


# --- Upload checking ----------------------------------------------------------------------

MAX_FILE_BYTES = 100 * 1024 * 1024
MATERIAL_KINDS = ("pdf", "pptx", "mp4")


def material_file_check(upload) -> str:
    """The kind (`core.uploads.FILE_TYPES` key) of an acceptable upload: a PDF, a PowerPoint
    or an MP4 video whose content matches its extension, checked by the one upload checker
    (`core.uploads`). Raises ValidationError with a message for people."""
    try:
        checked = file_check(upload, kinds=MATERIAL_KINDS, max_bytes=MAX_FILE_BYTES,
                             too_large_hint="Link to the recording on a video service instead.")
    except ValidationError as exc:
        if exc.code == "kind":
            raise ValidationError("Upload a PDF, a PowerPoint (.pptx) or an MP4 video.",
                                  code="kind") from None
        if exc.code == "content":
            extension = os.path.splitext(upload.name or "")[1].lower().lstrip(".")
            raise ValidationError(f"The file's content is not a {extension.upper()} file. "
                                  "Upload the original file, not a renamed one.",
                                  code="content") from None
        raise
    return checked.type_key


def material_content_type(file_name: str) -> str:
    """The Content-Type a stored material file is served with."""
    extension = os.path.splitext(file_name)[1].lower().lstrip(".")
    kind = FILE_TYPES.get(TYPE_BY_EXTENSION.get(extension, ""))
    return kind.content_type if kind else "application/octet-stream"


# --- Adding and removing --------------------------------------------------------------------

def _check_may_manage(actor, event: Event) -> None:
    """The community's organizers and the host group's leads (`core.access.can_manage`)."""
    if not can_manage(viewer_for_user(actor), event):
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
