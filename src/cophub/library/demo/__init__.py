"""Demo library: slides of the AI CoP's FY2023 talks (small PDFs made here with reportlab),
recordings of the most attended monthly meetings and of the 2023 training sessions
(government members only), playbooks, tools, documents, data sets and links — each pointing
at its source event or group — and a few for the Data CoP.

Everything goes through the services, as an organizer or a group lead would add it: files
pass the same content checks and are stored through Django's storage API, every resource has
its version history, and a few show edits, a restored version and a withdrawal."""

import csv
import io
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.text import slugify
from reportlab.lib.pagesizes import letter
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer

from cophub.communities.models import Community, Group, Membership
from cophub.communities.selectors import viewer_for
from cophub.core.access import ORGANIZE, can_manage
from cophub.events.models import Event, Registration

from .. import services
from ..models import Resource
from .catalog import (
    AREAS_BY_GROUP,
    AREAS_BY_WORD,
    ITEMS,
    LINKS,
    MEETING_RECORDINGS,
    PROMPT_LIBRARY_V2,
    Item,
)

EASTERN = ZoneInfo("America/New_York")


def pdf_bytes(title: str, subtitle: str, lines: list[str]) -> bytes:
    """A small real PDF: a title page and a page of points."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    document = SimpleDocTemplate(buffer, pagesize=letter, title=title, author=subtitle,
                                 invariant=True)
    story = [Spacer(1, 180), Paragraph(title, styles["Title"]),
             Paragraph(subtitle, styles["Normal"]), PageBreak()]
    story += [Paragraph(line, styles["BodyText"]) for line in lines if line.strip()]
    document.build(story)
    return buffer.getvalue()


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _areas(title: str, group: Group | None, by_slug: dict[str, Group]) -> list[Group]:
    slugs = set(AREAS_BY_GROUP.get(group.slug, ())) if group else set()
    slugs |= {slug for word, slug in AREAS_BY_WORD if word in title}
    return [by_slug[s] for s in sorted(slugs) if s in by_slug]


def _local_day(event: Event) -> date:
    return timezone.localtime(event.starts_at, EASTERN).date()


class _Library:
    def __init__(self, context):
        self.people = context["people"]
        self.organizer = self.people["organizer"]
        self.viewer = viewer_for(self.organizer)
        self.communities = {c.slug: c for c in Community.objects.all()}
        self.groups = {(g.community.slug, g.slug): g
                       for g in Group.objects.select_related("community")}
        self.created: list[Resource] = []

    def groups_of(self, community: str) -> dict[str, Group]:
        return {slug: g for (c, slug), g in self.groups.items() if c == community}

    def add(self, community: str, *, data: dict, upload=None) -> Resource:
        """Added by the organizer, or, in a community they do not organize (the Data CoP),
        by the lead of the resource's group."""
        actor, viewer = self.organizer, self.viewer
        if not can_manage(viewer, self.communities[community], action=ORGANIZE):
            actor, viewer = Membership.objects.select_related("user").filter(
                group=data["group"], role=Membership.Role.LEAD).first().user, None
        resource = services.resource_create(
            community=self.communities[community], actor=actor, data=data, upload=upload,
            viewer=viewer)
        self.created.append(resource)
        return resource

    def item(self, item: Item) -> Resource:
        groups = self.groups_of(item.community)
        upload = None
        if item.file == "pdf":
            upload = _upload(item.file_name, pdf_bytes(
                item.title, item.authors.replace("\n", "; "), item.body.splitlines()))
        elif item.file:
            upload = _upload(item.file_name, item.body.encode())
        return self.add(item.community, upload=upload, data={
            "kind": item.kind, "title": item.title, "summary": item.summary,
            "authors": item.authors, "url": item.url,
            "group": groups.get(item.group) if item.group else None,
            "practice_areas": [groups[s] for s in item.areas],
            "source_event": None, "published_on": date(*item.published),
            "access_level": item.access,
        })


def _slides(library: _Library, now) -> None:
    """Slides of the past talks with speakers (not the members-only huddles)."""
    by_slug = library.groups_of("ai-cop")
    events = (Event.objects.filter(community__slug="ai-cop", status=Event.Status.PUBLISHED,
                                   starts_at__lt=now)
              .exclude(kind__in=[Event.Kind.COMMUNITY_MEETING, Event.Kind.TRAINING])
              .exclude(speakers="").exclude(access_level="group").select_related("group")
              .order_by("starts_at"))
    for event in events:
        speakers = [s.strip() for s in event.speakers.splitlines() if s.strip()]
        day = _local_day(event)
        library.add("ai-cop", upload=_upload(
            f"{slugify(event.title)[:60]}-slides.pdf",
            pdf_bytes(event.title, f"{'; '.join(speakers)} · {day:%B %-d, %Y}",
                      [event.description, "Questions and discussion."])), data={
            "kind": Resource.Kind.PRESENTATION, "title": f"{event.title} (slides)",
            "summary": f"Slides from the {event.get_kind_display().lower()} of "
                       f"{day:%B %-d, %Y}.\n\n{event.description}",
            "authors": "\n".join(speakers), "url": "", "group": event.group,
            "practice_areas": _areas(event.title, event.group, by_slug),
            "source_event": event, "published_on": day + timedelta(days=2),
            "access_level": event.access_level,
        })


def _recordings(library: _Library) -> None:
    """Recordings of the most attended monthly meetings and of the 2023 training sessions,
    for government members, as links to the video service."""
    by_slug = library.groups_of("ai-cop")
    meetings = Event.objects.filter(community__slug="ai-cop",
                                    kind=Event.Kind.COMMUNITY_MEETING,
                                    starts_at__year__lte=2023, status=Event.Status.PUBLISHED)
    training = Event.objects.filter(community__slug="ai-cop", kind=Event.Kind.TRAINING,
                                    starts_at__year=2023)
    chosen = [m for m in meetings.order_by("starts_at")
              if any(word.lower() in m.title.lower() for word in MEETING_RECORDINGS)]
    for event in chosen + list(training.order_by("starts_at")):
        day = _local_day(event)
        is_training = event.kind == Event.Kind.TRAINING
        what = ("a session of the 2023 AI Training Series" if is_training
                else "the monthly community meeting")
        library.add("ai-cop", data={
            "kind": Resource.Kind.RECORDING, "title": f"Recording: {event.title}",
            "summary": f"The captioned recording of {what}, {day:%B %-d, %Y}. "
                       "For government members."
                       + (" Attending the live session earns Continuous Learning Points; "
                          "the recording does not." if is_training else ""),
            "authors": event.speakers, "url": f"{LINKS}/ai-cop/recordings/{day:%Y-%m-%d}-"
                                              f"{slugify(event.title)[:50]}",
            "group": None, "practice_areas": _areas(event.title, None, by_slug),
            "source_event": event, "published_on": day + timedelta(days=7),
            "access_level": "government",
        })


def _attendance_dataset(library: _Library) -> None:
    """The FY2023 events with their registrations and attendance, from the demo's own
    figures."""
    events = (Event.objects.filter(community__slug="ai-cop", status=Event.Status.PUBLISHED,
                                   starts_at__date__gte=date(2022, 10, 1),
                                   starts_at__date__lte=date(2023, 9, 30))
              .annotate(registered=Count("registrations", filter=~Q(
                  registrations__status=Registration.Status.CANCELLED), distinct=True),
                        attended=Count("attendances", distinct=True))
              .order_by("starts_at"))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["date", "title", "kind", "registrations", "attendees"])
    for event in events:
        writer.writerow([f"{_local_day(event):%Y-%m-%d}", event.title,
                         event.get_kind_display(), event.registered, event.attended])
    library.add("ai-cop", upload=_upload("ai-cop-events-fy2023.csv", buffer.getvalue().encode()),
                data={
        "kind": Resource.Kind.DATASET, "title": "AI CoP events in FY2023: registrations and "
                                                "attendance",
        "summary": "Every event of fiscal year 2023 with its registrations and attendees, for "
                   "members who plan events or report on the community.",
        "authors": "Event Planning working group", "url": "",
        "group": library.groups[("ai-cop", "event-planning")], "practice_areas": [],
        "source_event": None, "published_on": date(2023, 10, 12),
        "access_level": "signed_in",
    })


def _history(library: _Library) -> None:
    """Edits that show the version history: a guide updated by the organizer, a tool
    updated by its practice area's lead, a renamed template restored, and a withdrawal."""
    by_title = {r.title: r for r in library.created}
    organizer, lead = library.organizer, library.people["lead"]

    def data_of(resource: Resource, **changes) -> dict:
        data = {name: getattr(resource, name) for name in services.FIELDS}
        data["practice_areas"] = list(resource.practice_areas.all())
        data.update(changes)
        return data

    guide = by_title["AI Guide for Government"]
    services.resource_edit(resource=guide, actor=organizer, data=data_of(
        guide, summary=guide.summary + "\n\nNew chapters cover data governance, MLOps and "
                                       "acquiring generative AI."),
        change_summary="Added the new chapters to the summary")
    prompts = by_title["Prompt library for public servants"]
    services.resource_edit(resource=prompts, actor=lead, data=data_of(prompts),
                           upload=_upload("prompt-library.md", PROMPT_LIBRARY_V2.encode()),
                           change_summary="Added prompts for summarizing public comments")
    card = by_title["Model card template for agency AI systems"]
    services.resource_edit(resource=card, actor=organizer,
                           data=data_of(card, title="Model card template"),
                           change_summary="Shorter title")
    services.resource_restore_version(resource=card, number=1, actor=organizer)
    intake = by_title["AI use case inventory intake template"]
    services.resource_withdraw(resource=intake, actor=organizer)


def build(*, context) -> None:
    library = _Library(context)
    now = timezone.now()
    for item in ITEMS:
        library.item(item)
    _slides(library, now)
    _recordings(library)
    _attendance_dataset(library)
    _history(library)
    files = sum(1 for r in library.created if r.file)
    context["out"].write(f"Library: {len(library.created)} resources ({files} files, "
                         f"{len(library.created) - files} links).")
