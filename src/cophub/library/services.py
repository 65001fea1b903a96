"""Writes about library resources: create, edit (each edit a new version), restore an old
version, withdraw and reinstate. Each is atomic and audited; only the people who may manage
the resource (`core.access.can_manage`: the community's organizers and the leads of the
resource's group) may make them; a resource with no group is the organizers' alone.

Files are checked before anything is written (`core.uploads.file_check`), stored under a random
name through Django's storage API, and removed again if the database write fails. Files of
earlier versions stay in storage so that a version can be restored."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from cophub.communities.models import Community, Group
from cophub.communities.selectors import viewer_for
from cophub.core.access import ORGANIZE, AccessLevel, Viewer, can_manage, can_manage_in
from cophub.core.audit import audit_record
from cophub.core.uploads import CheckedFile, file_check
from cophub.events.models import Event

from .models import Resource, ResourceVersion, resource_storage_name

FIELDS = ("kind", "title", "summary", "authors", "url", "group", "source_event",
          "published_on", "access_level")
FILE_FIELDS = ("file", "file_name", "file_type", "file_size")


def _storage():
    return Resource._meta.get_field("file").storage


def _file_state(resource: Resource) -> dict | None:
    if not resource.file:
        return None
    return {"name": resource.file.name, "original": resource.file_name,
            "type": resource.file_type, "size": resource.file_size}


def resource_snapshot(resource: Resource, *, practice_areas: list[Group]) -> dict:
    """A resource's field values as JSON, as a version stores them."""
    return {
        "kind": resource.kind, "title": resource.title, "summary": resource.summary,
        "authors": resource.authors, "url": resource.url, "file": _file_state(resource),
        "group": ({"id": resource.group.pk, "name": resource.group.name}
                  if resource.group_id else None),
        "practice_areas": [{"id": g.pk, "name": g.name}
                           for g in sorted(practice_areas, key=lambda g: (g.name, g.pk))],
        "source_event": ({"id": resource.source_event.pk, "title": resource.source_event.title}
                         if resource.source_event_id else None),
        "published_on": resource.published_on.isoformat() if resource.published_on else None,
        "access_level": resource.access_level,
    }


def _may_manage_under(viewer: Viewer, community: Community, group: Group | None) -> bool:
    """May the viewer run a resource of `community` filed under `group`? With no group the
    resource is the community's own, which only its organizers run (ORGANIZE)."""
    if group is None:
        return can_manage_in(viewer, community_id=community.pk, action=ORGANIZE)
    return can_manage_in(viewer, community_id=community.pk, group_id=group.pk)


def _check_may_create(viewer: Viewer, community: Community, group: Group | None) -> None:
    if not _may_manage_under(viewer, community, group):
        raise PermissionDenied("Only the community's organizers, and group leads for their "
                               "groups, add resources to the library.")


def _check_data(*, community: Community, viewer: Viewer, data: dict) -> None:
    """Rules a form cannot be trusted with: everything belongs to the community, practice
    areas are practice areas, the resource ends up under a group the person runs (no group:
    organizers only)."""
    errors = {}
    group, event = data.get("group"), data.get("source_event")
    if group is not None and group.community_id != community.pk:
        errors["group"] = "Choose a group of this community."
    if group is None and not _may_manage_under(viewer, community, None):
        errors["group"] = "Choose the group you lead that this resource belongs to."
    elif group is not None and not _may_manage_under(viewer, community, group):
        errors["group"] = "Choose a group you lead."
    if event is not None and event.community_id != community.pk:
        errors["source_event"] = "Choose an event of this community."
    if any(p.community_id != community.pk or p.kind != Group.Kind.PRACTICE_AREA
           for p in data.get("practice_areas", [])):
        errors["practice_areas"] = "Choose practice areas of this community."
    if data.get("access_level") == AccessLevel.GROUP and group is None:
        errors["access_level"] = "Members-only resources need a group: choose the group."
    if data.get("kind") == Resource.Kind.LINK and not data.get("url"):
        errors["url"] = "A link resource needs its address. Upload files as another kind."
    if errors:
        raise ValidationError(errors)


def _checked(upload) -> CheckedFile:
    try:
        return file_check(upload)
    except ValidationError as exc:
        raise ValidationError({"upload": exc.messages}) from None


def _store(upload) -> str:
    """Write an upload to storage under a random name; returns the name storage chose."""
    return _storage().save(resource_storage_name(None, upload.name or ""), upload)


def _apply(resource: Resource, data: dict) -> None:
    for name in FIELDS:
        if name in data:
            setattr(resource, name, data[name])
    resource.title = resource.title.strip()
    resource.authors = "\n".join(line.strip() for line in (resource.authors or "").splitlines()
                                 if line.strip())
    resource.slug = slugify(resource.title)[:80] or "resource"


def _set_file(resource: Resource, state: dict | None) -> None:
    if state is None:
        resource.file, resource.file_name, resource.file_type, resource.file_size = (
            "", "", "", None)
    else:
        resource.file = state["name"]
        resource.file_name, resource.file_type, resource.file_size = (
            state["original"], state["type"], state["size"])


def _validate(resource: Resource) -> None:
    resource.full_clean(exclude=["community", "version", "practice_areas"])


def resource_create(*, community: Community, actor, data: dict, upload=None, request=None,
                    viewer: Viewer | None = None) -> Resource:
    """Add a resource: a checked file or a link (exactly one), version 1 in its history.
    Raises PermissionDenied, or ValidationError (keyed by field; nothing is stored)."""
    viewer = viewer or viewer_for(actor)
    _check_may_create(viewer, community, data.get("group"))
    _check_data(community=community, viewer=viewer, data=data)
    if bool(upload) == bool(data.get("url")):
        raise ValidationError({"upload": "Upload a file or give a link (one of the two)."})
    checked = _checked(upload) if upload else None
    resource = Resource(community=community, created_by=actor)
    _apply(resource, data)
    if checked:
        # Validated with a stand-in name first, so that nothing is stored for bad input.
        _set_file(resource, {"name": "pending", "original": checked.name,
                             "type": checked.type_key, "size": checked.size})
    _validate(resource)
    stored = _store(upload) if checked else None
    try:
        with transaction.atomic():
            if stored:
                resource.file = stored
            resource.save()
            practice_areas = list(data.get("practice_areas", []))
            resource.practice_areas.set(practice_areas)
            ResourceVersion.objects.create(
                resource=resource, number=1, editor=actor, created_at=resource.created_at,
                data=resource_snapshot(resource, practice_areas=practice_areas),
                summary="Added to the library")
            audit_record(actor=actor, verb="library.resource.created", obj=resource,
                         scope=community.slug, request=request,
                         data={"kind": resource.kind, "access_level": resource.access_level,
                               "file": resource.file_name or None, "url": resource.url or None})
    except Exception:
        if stored:
            _storage().delete(stored)
        raise
    return resource


def _edit(*, resource: Resource, actor, data: dict, file_state, summary: str, verb: str,
          request, viewer: Viewer, stored: str | None = None, extra: dict | None = None):
    """The edit itself, under a lock on the resource: apply, validate, and save a new version
    unless nothing changed. `file_state` is the file to keep ("keep"), a new one, or None (a
    link). Returns (resource, changed)."""
    with transaction.atomic():
        # Only the resource's row is locked (`of`): PostgreSQL cannot lock the nullable side
        # of an outer join (group, source event), and the community's row stays free.
        locked = (Resource.objects.select_for_update(of=("self",)).select_related(
            "community", "group", "source_event").get(pk=resource.pk))
        if not can_manage(viewer, locked):
            raise PermissionDenied("Only the community's organizers and the group's leads "
                                   "edit this resource.")
        before = locked.versions.get(number=locked.version).data
        practice_areas = list(data.get("practice_areas", []))
        _apply(locked, data)
        if file_state != "keep":
            _set_file(locked, file_state)
        _validate(locked)
        after = resource_snapshot(locked, practice_areas=practice_areas)
        changed = sorted(k for k in after if after[k] != before.get(k))
        if not changed:
            return locked, False
        locked.version += 1
        locked.updated_at = timezone.now()
        locked.save()
        locked.practice_areas.set(practice_areas)
        ResourceVersion.objects.create(resource=locked, number=locked.version, editor=actor,
                                       created_at=locked.updated_at, data=after,
                                       summary=summary.strip()[:300])
        audit_record(actor=actor, verb=verb, obj=locked, scope=locked.community.slug,
                     request=request, data={"version": locked.version, "fields": changed,
                                            **(extra or {})})
    return locked, True


def resource_edit(*, resource: Resource, actor, data: dict, upload=None,
                  change_summary: str = "", request=None,
                  viewer: Viewer | None = None) -> tuple[Resource, bool]:
    """Edit a resource and record the new version (who, when, the field values, the change
    summary). A new upload replaces the file; a link replaces a file; with neither, the file
    stays. Saving without changes writes nothing. Returns (resource, changed).
    Raises PermissionDenied, or ValidationError (nothing is stored)."""
    viewer = viewer or viewer_for(actor)
    if not can_manage(viewer, resource):
        raise PermissionDenied("Only the community's organizers and the group's leads edit "
                               "this resource.")
    _check_data(community=resource.community, viewer=viewer, data=data)
    if upload and data.get("url"):
        raise ValidationError({"url": "Upload a file or give a link, not both. To replace "
                                      "the link with a file, empty the link field."})
    if not upload and not data.get("url") and not resource.file:
        raise ValidationError({"url": "Give a link or upload a file."})
    checked = _checked(upload) if upload else None
    if checked:
        file_state = {"name": "pending", "original": checked.name, "type": checked.type_key,
                      "size": checked.size}
    else:
        file_state = None if data.get("url") else "keep"
    stored = _store(upload) if checked else None
    if stored:
        file_state["name"] = stored
    try:
        return _edit(resource=resource, actor=actor, data=data, file_state=file_state,
                     summary=change_summary, verb="library.resource.updated",
                     request=request, viewer=viewer)
    except Exception:
        if stored:
            _storage().delete(stored)
        raise


def resource_restore_version(*, resource: Resource, number: int, actor, request=None,
                             viewer: Viewer | None = None) -> Resource:
    """Make an earlier version the current one, as a new edit (history is never rewritten).
    Raises ValidationError if something the version refers to is gone."""
    viewer = viewer or viewer_for(actor)
    if not can_manage(viewer, resource):
        raise PermissionDenied("Only the community's organizers and the group's leads edit "
                               "this resource.")
    try:
        version = resource.versions.get(number=number)
    except ResourceVersion.DoesNotExist:
        raise ValidationError(f"There is no version {number}.") from None
    data = version.data
    community = resource.community
    ids = [p["id"] for p in data["practice_areas"]]
    if data["group"]:
        ids.append(data["group"]["id"])
    groups = Group.objects.filter(community=community).in_bulk(ids)
    event = None
    if data["source_event"]:
        event = Event.objects.filter(community=community, pk=data["source_event"]["id"]).first()
    group = groups.get(data["group"]["id"]) if data["group"] else None
    if data["group"] and group is None:
        raise ValidationError(f"The group of version {number} no longer exists.")
    if data["file"] and not _storage().exists(data["file"]["name"]):
        raise ValidationError(f"The file of version {number} is no longer in storage.")
    restored = {
        "kind": data["kind"], "title": data["title"], "summary": data["summary"],
        "authors": data["authors"], "url": data["url"], "group": group,
        "practice_areas": [groups[p["id"]] for p in data["practice_areas"] if p["id"] in groups],
        "source_event": event,
        "published_on": date.fromisoformat(data["published_on"]),
        "access_level": data["access_level"],
    }
    _check_data(community=community, viewer=viewer, data=restored)
    resource, _ = _edit(resource=resource, actor=actor, data=restored,
                        file_state=data["file"], summary=f"Restored version {number}",
                        verb="library.resource.restored", request=request, viewer=viewer,
                        extra={"restored": number})
    return resource


def resource_withdraw(*, resource: Resource, actor, request=None,
                      viewer: Viewer | None = None) -> Resource:
    """Take a resource out of the library (and search) without deleting it: only the people
    who run it still see it, and can reinstate it. Withdrawing twice changes nothing."""
    viewer = viewer or viewer_for(actor)
    if not can_manage(viewer, resource):
        raise PermissionDenied("Only the community's organizers and the group's leads "
                               "withdraw this resource.")
    with transaction.atomic():
        locked = Resource.objects.select_for_update(of=("self",)).select_related("community").get(
            pk=resource.pk)
        if locked.withdrawn_at is not None:
            return locked
        locked.withdrawn_at, locked.withdrawn_by = timezone.now(), actor
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(actor=actor, verb="library.resource.withdrawn", obj=locked,
                     scope=locked.community.slug, request=request)
    return locked


def resource_reinstate(*, resource: Resource, actor, request=None,
                       viewer: Viewer | None = None) -> Resource:
    """Bring a withdrawn resource back. Reinstating a current resource changes nothing."""
    viewer = viewer or viewer_for(actor)
    if not can_manage(viewer, resource):
        raise PermissionDenied("Only the community's organizers and the group's leads "
                               "reinstate this resource.")
    with transaction.atomic():
        locked = Resource.objects.select_for_update(of=("self",)).select_related("community").get(
            pk=resource.pk)
        if locked.withdrawn_at is None:
            return locked
        locked.withdrawn_at, locked.withdrawn_by = None, None
        locked.save(update_fields=["withdrawn_at", "withdrawn_by"])
        audit_record(actor=actor, verb="library.resource.reinstated", obj=locked,
                     scope=locked.community.slug, request=request)
    return locked
