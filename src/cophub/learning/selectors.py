"""Reads about the training programme. Sessions are events, so which sessions a person sees is
decided by `events.selectors.events_visible_to` (the one access policy); materials by
`core.access.can_view_object`, widened only by a recording access grant."""

from dataclasses import dataclass
from decimal import Decimal

from allauth.account.models import EmailAddress
from django.db.models import (
    BooleanField,
    Case,
    Count,
    Exists,
    F,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Lower
from django.utils import timezone

from cophub.core.access import AccessLevel, Viewer, can_view, can_view_object
from cophub.events.models import Attendance, Event, Material, Registration
from cophub.events.selectors import events_visible_to

from .credit import ZERO, credit_earned_q, credit_sql
from .models import (
    AccessRequest,
    Certificate,
    Enrolment,
    RecordingAccessGrant,
    Series,
    Session,
    Track,
)

# A grant lets its holder see what government members see of a series' materials, no more.
GRANTABLE_LEVELS = {AccessLevel.PUBLIC, AccessLevel.SIGNED_IN, AccessLevel.GOVERNMENT}


def sessions_visible_to(*, viewer: Viewer, series: Series | None = None,
                        community=None) -> QuerySet[Session]:
    qs = Session.objects.filter(event__in=events_visible_to(viewer=viewer, community=community))
    if series is not None:
        qs = qs.filter(series=series)
    return qs.select_related("event", "event__community").order_by("event__starts_at",
                                                                      "event_id")


def series_cards(*, viewer: Viewer, community) -> QuerySet[Series]:
    """The community's series with what the viewer may see of them (one query)."""
    visible = Q(sessions__event__in=events_visible_to(viewer=viewer, community=community))
    published = Q(sessions__event__status=Event.Status.PUBLISHED)
    return Series.objects.filter(community=community).annotate(
        session_count=Count("sessions", filter=visible, distinct=True),
        hidden_count=Count("sessions", filter=published & ~visible, distinct=True),
        track_count=Count("tracks", distinct=True),
        first_session_at=Min("sessions__event__starts_at", filter=visible),
    ).order_by("-year", "title")


def series_open(*, viewer: Viewer, community=None, limit: int = 3, now=None) -> list[Series]:
    """Series with sessions still to come, soonest first, each with `next_session_at` and
    `upcoming_count` (what the viewer may see) and `upcoming_hidden` (published sessions to
    come that they may not see: a count). A series whose coming sessions are all hidden is
    listed too, so a visitor learns that there is training for members. One query."""
    now = now or timezone.now()
    coming = Q(sessions__event__status=Event.Status.PUBLISHED,
               sessions__event__ends_at__gt=now)
    visible = Q(sessions__event__in=events_visible_to(viewer=viewer, community=community))
    qs = Series.objects.select_related("community")
    if community is not None:
        qs = qs.filter(community=community)
    qs = qs.annotate(
        next_session_at=Min("sessions__event__starts_at", filter=coming & visible),
        upcoming_count=Count("sessions", filter=coming & visible, distinct=True),
        upcoming_hidden=Count("sessions", filter=coming & ~visible, distinct=True),
    ).filter(Q(upcoming_count__gt=0) | Q(upcoming_hidden__gt=0))
    return list(qs.order_by(F("next_session_at").asc(nulls_last=True), "title")[:limit])


def granted_series_ids(*, user) -> frozenset[int]:
    """Series whose recordings `user` may see through an approved access request: the grant's
    address must be one of the person's *verified* addresses (one query)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    verified = EmailAddress.objects.filter(user=user, verified=True).annotate(
        address=Lower("email")).values("address")
    return frozenset(RecordingAccessGrant.objects.filter(
        revoked_at__isnull=True, email__in=verified).values_list("series_id", flat=True))


def material_visible(*, viewer: Viewer, material: Material, granted: bool) -> bool:
    """The material's own access level decides; a grant for the series adds what government
    members would see. `material.event` must be loaded."""
    if can_view_object(viewer, material):
        return True
    return granted and viewer.is_authenticated and material.access_level in GRANTABLE_LEVELS


def material_granted(*, viewer: Viewer, user, material: Material) -> bool:
    """For the events app's material page: whether a recording access grant lets `user` see
    `material`, which the access policy alone would hide (two queries; `material.event`
    loaded). False for materials of events that are not training sessions."""
    if not viewer.is_authenticated or material.access_level not in GRANTABLE_LEVELS:
        return False
    series_id = Session.objects.filter(event_id=material.event_id).values_list(
        "series_id", flat=True).first()
    return series_id is not None and series_id in granted_series_ids(user=user)


def recordings_hidden_from(*, viewer: Viewer, series: Series, granted: bool) -> bool:
    """Whether to point the viewer to the access form for government-only recordings."""
    return not (granted or can_view(viewer, access_level=AccessLevel.GOVERNMENT,
                                    community_id=series.community_id))


@dataclass
class SeriesPage:
    series: Series
    sessions: list[Session]
    tracks: list[Track]
    untracked: list[Session]
    instructors: list
    enrolments: dict[int | None, Enrolment]  # track id (None: whole series) → enrolment
    registrations: dict[int, Registration]  # event id → the viewer's registration
    granted: bool
    series_enrolment: Enrolment | None = None
    has_upcoming: bool = False
    hidden_count: int = 0  # published sessions the viewer may not see (a count, nothing more)


def series_page(*, series: Series, viewer: Viewer, user) -> SeriesPage:
    """Everything the series page shows, in a fixed number of queries however many sessions,
    tracks, instructors and materials there are."""
    granted = series.pk in granted_series_ids(user=user)
    materials = Material.objects.select_related("event").order_by("kind", "title")
    sessions = list(sessions_visible_to(viewer=viewer, series=series).prefetch_related(
        "tracks", "instructors", Prefetch("event__materials", queryset=materials)))
    for session in sessions:
        session.visible_materials = [
            m for m in session.event.materials.all()
            if material_visible(viewer=viewer, material=m, granted=granted)]
    by_track: dict[int, list[Session]] = {}
    for session in sessions:
        for track in session.tracks.all():
            by_track.setdefault(track.pk, []).append(session)
    tracks = list(series.tracks.all())
    for track in tracks:
        track.visible_sessions = by_track.get(track.pk, [])
    instructors = {}
    for session in sessions:
        for instructor in session.instructors.all():
            instructors.setdefault(instructor.pk, instructor)
    now = timezone.now()
    upcoming = [s for s in sessions if s.event.ends_at > now and s.event.status == "published"]
    enrolments, registrations = {}, {}
    if viewer.is_authenticated:
        enrolments = {e.track_id: e for e in Enrolment.objects.filter(user_id=viewer.user_id,
                                                                        series=series)}
        registrations = {r.event_id: r for r in Registration.objects.filter(
            user_id=viewer.user_id, event__training_session__series=series)}
    for session in sessions:
        session.my_registration = registrations.get(session.event_id)
    hidden_count = 0
    if not viewer.is_organizer(series.community_id):  # organizers see every session
        hidden_count = (Session.objects.filter(series=series,
                                               event__status=Event.Status.PUBLISHED)
                        .exclude(pk__in=[s.pk for s in sessions]).count())
    upcoming_track_ids = {t.pk for s in upcoming for t in s.tracks.all()}
    for track in tracks:
        track.my_enrolment = enrolments.get(track.pk)
        track.has_upcoming = track.pk in upcoming_track_ids
    return SeriesPage(
        series=series, sessions=sessions, tracks=tracks,
        untracked=[s for s in sessions if not s.tracks.all()],
        instructors=sorted(instructors.values(), key=lambda i: i.name),
        enrolments=enrolments, registrations=registrations, granted=granted,
        series_enrolment=enrolments.get(None), has_upcoming=bool(upcoming),
        hidden_count=hidden_count,
    )


# --- transcripts and certificates ---------------------------------------------------------


def transcript_rows(*, user) -> list[Attendance]:
    """The person's non-revoked attendance at training sessions, each with `.credit` (CLPs)
    and `.earns_credit`, oldest first (one query)."""
    return list(
        Attendance.objects.filter(user=user, revoked_at__isnull=True,
                                  event__training_session__isnull=False)
        .annotate(credit=credit_sql(),
                  earns_credit=Case(When(credit_earned_q(), then=Value(True)),
                                    default=Value(False), output_field=BooleanField()))
        .select_related("event__community", "event__training_session__series__community")
        .order_by("event__starts_at", "event_id")
    )


@dataclass
class TrackProgress:
    track: Track
    sessions: list[Session]
    credited: int
    complete: bool
    certificate: Certificate | None = None


def track_progress(*, user, credited_session_ids: set[int],
                   certificates: list[Certificate]) -> list[TrackProgress]:
    """Tracks in which the person has earned credit, with how far they are (two queries).
    A track is complete when every published session of it has ended and earned credit."""
    if not credited_session_ids:
        return []
    published = Session.objects.filter(event__status=Event.Status.PUBLISHED).select_related(
        "event").order_by("event__starts_at")
    tracks = (Track.objects.filter(sessions__in=credited_session_ids).distinct()
              .select_related("series__community")
              .prefetch_related(Prefetch("sessions", queryset=published)))
    live = {c.track_id: c for c in certificates if c.track_id and c.revoked_at is None}
    now = timezone.now()
    progress = []
    for track in tracks:
        sessions = list(track.sessions.all())
        credited = sum(1 for s in sessions if s.pk in credited_session_ids)
        complete = bool(sessions) and credited == len(sessions) and all(
            s.event.ends_at <= now for s in sessions)
        progress.append(TrackProgress(track=track, sessions=sessions, credited=credited,
                                      complete=complete, certificate=live.get(track.pk)))
    return sorted(progress, key=lambda p: (-p.track.series.year, p.track.series.title,
                                           p.track.position, p.track.name))


def certificates_of(*, user) -> list[Certificate]:
    return list(Certificate.objects.filter(user=user).select_related(
        "session__event", "session__series__community", "track__series__community",
    ).prefetch_related("covers"))


def certificate_validity(*, certificates: list[Certificate],
                         credited_session_ids: set[int]) -> None:
    """Set `.is_valid` on certificates of one person, given the sessions in which their
    attendance still earns credit (`covers` must be prefetched)."""
    for certificate in certificates:
        covered = {s.pk for s in certificate.covers.all()}
        certificate.is_valid = (certificate.revoked_at is None and bool(covered)
                                and covered <= credited_session_ids)


def certificate_by_code(*, code: str) -> Certificate | None:
    """Look a certificate up by its verification code through the unique index. The codes
    carry 128 random bits, so guessing is hopeless and no rate limit is needed."""
    return (Certificate.objects.select_related(
        "user", "session__event", "session__series__community", "track__series__community")
        .filter(code=code).first())


def certificate_is_valid(*, certificate: Certificate) -> bool:
    """Valid: not revoked, and the attendance behind every covered session still earns credit
    (one query)."""
    if certificate.revoked_at is not None:
        return False
    qualifying = Attendance.objects.filter(
        user_id=certificate.user_id, event_id=OuterRef("event_id")).filter(credit_earned_q())
    covers = certificate.covers.annotate(ok=Exists(qualifying)).values_list("ok", flat=True)
    flags = list(covers)
    return bool(flags) and all(flags)


def certificate_community(certificate: Certificate):
    series = certificate.session.series if certificate.session_id else certificate.track.series
    return series.community


def certificate_date(certificate: Certificate):
    """The date the certificate is for: the session's, or the track's last session's."""
    if certificate.session_id:
        return certificate.session.event.starts_at
    last = max((s.event.starts_at for s in certificate.covers.select_related("event")),
               default=None)
    return last or certificate.issued_at


# --- organizer reports ---------------------------------------------------------------------


@dataclass
class Figures:
    registrations: int = 0
    waitlisted: int = 0
    attendees: int = 0
    earning: int = 0
    credit: Decimal = ZERO
    unique_attendees: int | None = None
    enrolments: int | None = None


@dataclass
class SeriesReport:
    series: Series
    totals: Figures
    tracks: list[tuple[Track, Figures]]
    sessions: list[tuple[Session, Figures]]


def series_report(*, series: Series) -> SeriesReport:
    """Registrations, attendees, unique attendees and CLPs awarded per session, per track and
    for the whole series, aggregated in SQL: eight queries whatever the size of the series.
    "Unique attendees" counts each person with non-revoked attendance once, however many
    sessions they attended (the programme's "almost 5,000 attended" figure)."""
    sessions = list(Session.objects.filter(series=series).select_related("event")
                    .prefetch_related("tracks").order_by("event__starts_at", "event_id"))
    tracks = list(series.tracks.all())
    reg = {row["event_id"]: row for row in Registration.objects.filter(
        event__training_session__series=series).values("event_id").annotate(
        confirmed=Count("pk", filter=Q(status=Registration.Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Registration.Status.WAITLISTED)))}
    attended = Attendance.objects.filter(event__training_session__series=series,
                                         revoked_at__isnull=True)
    att = {row["event_id"]: row for row in attended.values("event_id").annotate(
        attendees=Count("pk"), earning=Count("pk", filter=credit_earned_q()),
        credit=Sum(credit_sql()))}
    per_track = {row["track"]: row for row in attended.filter(
        event__training_session__tracks__isnull=False).values(
        track=F("event__training_session__tracks")).annotate(
        attendees=Count("pk"), unique=Count("user_id", distinct=True),
        earning=Count("pk", filter=credit_earned_q()), credit=Sum(credit_sql()))}
    totals_row = attended.aggregate(
        attendees=Count("pk"), unique=Count("user_id", distinct=True),
        earning=Count("pk", filter=credit_earned_q()), credit=Sum(credit_sql()))
    enrolled = dict(Enrolment.objects.filter(series=series).values("track_id").annotate(
        n=Count("pk")).values_list("track_id", "n"))

    session_rows = []
    for session in sessions:
        r, a = reg.get(session.event_id, {}), att.get(session.event_id, {})
        session_rows.append((session, Figures(
            registrations=r.get("confirmed", 0), waitlisted=r.get("waitlisted", 0),
            attendees=a.get("attendees", 0), earning=a.get("earning", 0),
            credit=_money(a.get("credit")))))
    track_rows = []
    for track in tracks:
        in_track = [f for s, f in session_rows if track in s.tracks.all()]
        t = per_track.get(track.pk, {})
        track_rows.append((track, Figures(
            registrations=sum(f.registrations for f in in_track),
            waitlisted=sum(f.waitlisted for f in in_track),
            attendees=t.get("attendees", 0), earning=t.get("earning", 0),
            credit=_money(t.get("credit")), unique_attendees=t.get("unique", 0),
            enrolments=enrolled.get(track.pk, 0))))
    totals = Figures(
        registrations=sum(f.registrations for _, f in session_rows),
        waitlisted=sum(f.waitlisted for _, f in session_rows),
        attendees=totals_row["attendees"], earning=totals_row["earning"],
        credit=_money(totals_row["credit"]), unique_attendees=totals_row["unique"],
        enrolments=sum(enrolled.values()))
    return SeriesReport(series=series, totals=totals, tracks=track_rows, sessions=session_rows)


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(Decimal("0.01"))


def unique_attendees(*, series: Series) -> int:
    """People with non-revoked attendance at any session of the series (one query)."""
    return Attendance.objects.filter(event__training_session__series=series,
                                     revoked_at__isnull=True).aggregate(
        n=Count("user_id", distinct=True))["n"]


def access_requests_pending(*, community) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(
        community=community, status=AccessRequest.Status.REQUESTED).select_related("series")


def access_requests_decided(*, community) -> QuerySet[AccessRequest]:
    return AccessRequest.objects.filter(community=community).exclude(
        status=AccessRequest.Status.REQUESTED).select_related(
        "series", "decided_by").order_by("-decided_at", "-id")
