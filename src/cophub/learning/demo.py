"""Demo training programme for the AI CoP: the 2023 AI Training Series (a Foundations track
taught by Stanford University faculty) and the 2024 AI Training Series (Acquisition,
Leadership and Technical tracks taught by George Washington University, Princeton University
and Stanford University faculty), with registrations, attendance, recordings, enrolments, a
few certificates and access requests, so the reports show realistic figures.

Rows are bulk-created: with `--members 4400` this adds ~25,000 registrations and ~16,000
attendances in a few seconds. Instructors are fictional."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from cophub.communities.models import Community
from cophub.events.models import Attendance, Event, Material, Registration

from . import services
from .models import AccessRequest, Enrolment, Instructor, Series, Session, Track

EASTERN = ZoneInfo("America/New_York")

INSTRUCTORS = {
    "marquez": ("Dr. Elena Marquez", "Professor of Computer Science", "Stanford University",
                "Works on machine learning and its use in public services."),
    "okafor": ("Dr. Samuel Okafor", "Associate Professor of Management Science and "
               "Engineering", "Stanford University",
               "Studies how organizations adopt and govern AI systems."),
    "raman": ("Dr. Priya Raman", "Senior Lecturer in Computer Science", "Stanford University",
              "Teaches deep learning and natural language processing."),
    "whitfield": ("Dr. Thomas Whitfield", "Professor of Government Procurement Law",
                  "George Washington University",
                  "Teaches federal acquisition and contracting for emerging technology."),
    "liu": ("Dr. Karen Liu", "Associate Professor of Public Policy and Public Administration",
            "George Washington University",
            "Researches acquisition reform and digital services."),
    "adeyemi": ("Dr. Michael Adeyemi", "Professor of Public and International Affairs",
                "Princeton University", "Works on AI governance and public leadership."),
    "brooks": ("Dr. Hannah Brooks", "Lecturer, Center for Information Technology Policy",
               "Princeton University", "Teaches technology policy to public-sector leaders."),
}

SERIES_2023 = ("2023-ai-training", "2023 AI Training Series", 2023, """\
A free training series for the federal workforce on the foundations of artificial
intelligence, taught by Stanford University faculty. Each session earns Continuous Learning
Points (CLPs): one per hour attended, for attending at least half of the session.""")

SESSIONS_2023 = [  # title, (month, day), minutes, instructors
    ("AI Fundamentals for the Public Sector", (2, 16), 90, ["marquez"]),
    ("Machine Learning: How Models Learn from Data", (3, 16), 90, ["marquez"]),
    ("Natural Language Processing and Large Language Models", (4, 20), 90, ["raman"]),
    ("Computer Vision in Government Missions", (5, 18), 60, ["raman"]),
    ("Responsible AI: Fairness, Transparency and Accountability", (6, 15), 90, ["okafor"]),
    ("Data Strategy for AI", (7, 20), 60, ["okafor"]),
    ("AI Risk Management and the NIST AI RMF", (8, 17), 90, ["okafor", "marquez"]),
    ("Generative AI: Opportunities and Risks", (9, 21), 120, ["raman", "marquez"]),
]

SERIES_2024 = ("2024-ai-training", "2024 AI Training Series", 2024, """\
Role-based training in three tracks: **Acquisition** for contracting and program staff,
**Leadership** for executives and managers, and **Technical** for data scientists and
engineers. Sessions are led by faculty of George Washington University, Princeton University
and Stanford University.""")

TRACKS_2024 = [
    ("acquisition", "Acquisition", "For contracting officers, program managers and others "
     "who buy AI products and services."),
    ("leadership", "Leadership", "For executives and managers leading AI adoption."),
    ("technical", "Technical", "For data scientists, engineers and technical staff."),
]

SESSIONS_2024 = [  # title, (month, day), minutes, tracks, instructors
    ("Kickoff: AI in Government in 2024", (2, 8), 60,
     ["acquisition", "leadership", "technical"], ["okafor"]),
    ("Buying AI: Market Research and Requirements", (3, 7), 90, ["acquisition"],
     ["whitfield"]),
    ("Evaluating AI Vendor Proposals", (4, 4), 90, ["acquisition"], ["liu"]),
    ("Contracting for Data Rights and Model Transparency", (5, 2), 90, ["acquisition"],
     ["whitfield"]),
    ("Managing AI Contracts After Award", (6, 6), 60, ["acquisition"], ["liu", "whitfield"]),
    ("Leading AI Adoption in Your Agency", (3, 14), 60, ["leadership"], ["adeyemi"]),
    ("AI Governance and Policy for Executives", (4, 11), 90, ["leadership"], ["adeyemi"]),
    ("Building an AI-Ready Workforce", (5, 9), 60, ["leadership"], ["brooks"]),
    ("Measuring the Value of AI Programs", (6, 13), 60, ["leadership"], ["brooks"]),
    ("Foundations of Deep Learning", (3, 21), 90, ["technical"], ["raman"]),
    ("Fine-Tuning and Evaluating Language Models", (4, 18), 120, ["technical"], ["raman"]),
    ("Retrieval-Augmented Generation in Practice", (5, 16), 90, ["technical"], ["marquez"]),
    ("Securing AI Systems", (6, 20), 90, ["technical"], ["marquez"]),
    ("MLOps: From Prototype to Production", (7, 18), 90, ["technical"], ["raman"]),
]


def _event(community, organizer, *, title, year, month_day, minutes, instructors,
           capacity=None):
    starts = datetime(year, *month_day, 13, 0, tzinfo=EASTERN)
    speakers = "\n".join(f"{INSTRUCTORS[k][0]}, {INSTRUCTORS[k][1]}, {INSTRUCTORS[k][2]}"
                         for k in instructors)
    return Event.objects.create(
        community=community, kind=Event.Kind.TRAINING, title=title,
        description=f"A session of the {year} AI Training Series.\n\nCaptions are provided; "
                    "the recording is shared with government members afterwards.",
        speakers=speakers, starts_at=starts, ends_at=starts + timedelta(minutes=minutes),
        time_zone="America/New_York", join_url="https://zoom.example.gov/j/ai-training",
        capacity=capacity, access_level="signed_in", status=Event.Status.PUBLISHED,
        created_by=organizer, created_at=starts - timedelta(days=45))


def _sessions(series, community, organizer, instructors, specs, tracks_by_slug):
    sessions = []
    for spec in specs:
        title, month_day, minutes, *rest = spec
        track_slugs, who = (rest if len(rest) == 2 else ([], rest[0]))
        # The 2023 kickoff drew more registrations than its 1,000 webinar seats.
        capacity = 1000 if series.year == 2023 and not sessions else None
        event = _event(community, organizer, title=title, year=series.year,
                       month_day=month_day, minutes=minutes, instructors=who,
                       capacity=capacity)
        session = Session.objects.create(event=event, series=series)
        session.instructors.set([instructors[k] for k in who])
        session.tracks.set([tracks_by_slug[s] for s in track_slugs])
        sessions.append(session)
    return sessions


def _turnout(rng, session, people, *, share, show_rate, regs, atts, always=()):
    """Registrations (confirmed up to capacity, then wait-listed) and attendance."""
    event = session.event
    chosen = list(always) + [p for p in rng.sample(people, int(len(people) * share))
                             if p not in always]
    duration = session.duration_minutes
    # Registration opens 30 days ahead; arrival order is time order, as the service makes it.
    opened = event.starts_at - timedelta(days=30)
    step = timedelta(days=29) / max(len(chosen), 1)
    for arrival, person in enumerate(chosen, start=1):
        confirmed = event.capacity is None or arrival <= event.capacity
        created = opened + step * arrival
        regs.append(Registration(
            event=event, user=person, arrival=arrival, created_at=created,
            status=Registration.Status.CONFIRMED if confirmed else Registration.Status.WAITLISTED,
            confirmed_at=created if confirmed else None))
        if not confirmed or not (person in always or rng.random() < show_rate):
            continue
        if person in always or rng.random() < 0.82:
            # Import caps minutes at the session's length, so the demo does too.
            minutes = rng.randint(int(duration * 0.8), duration)
        else:  # left early: below the half-session threshold, no credit
            minutes = rng.randint(3, duration // 2 - 1)
        atts.append(Attendance(event=event, user=person, minutes=minutes,
                               source=Attendance.Source.ZOOM,
                               recorded_at=event.ends_at + timedelta(hours=2)))


def build(*, context) -> None:
    rng = context["rng"]
    people = context["people"]
    organizer, member = people["organizer"], people["member"]
    community = Community.objects.get(slug="ai-cop")
    government = [u for u in context["users"] if u.is_government]
    instructors = {key: Instructor(name=n, title=t, affiliation=a, bio=b)
                   for key, (n, t, a, b) in INSTRUCTORS.items()}
    Instructor.objects.bulk_create(instructors.values())

    slug, title, year, description = SERIES_2023
    s2023 = Series.objects.create(community=community, slug=slug, title=title, year=year,
                                  description=description)
    foundations = Track.objects.create(series=s2023, slug="foundations", name="Foundations",
                                       description="The whole 2023 series: eight sessions.")
    sessions_2023 = _sessions(s2023, community, organizer, instructors, SESSIONS_2023,
                              {"foundations": foundations})
    for session in sessions_2023:
        session.tracks.set([foundations])

    slug, title, year, description = SERIES_2024
    s2024 = Series.objects.create(community=community, slug=slug, title=title, year=year,
                                  description=description)
    tracks = {s: Track.objects.create(series=s2024, slug=s, name=n, description=d,
                                      position=i)
              for i, (s, n, d) in enumerate(TRACKS_2024)}
    sessions_2024 = _sessions(s2024, community, organizer, instructors, SESSIONS_2024, tracks)

    regs, atts, enrolments = [], [], []
    for session in sessions_2023:
        _turnout(rng, session, government, share=0.4, show_rate=0.65, regs=regs, atts=atts,
                 always=[member])
    enrolments.append(Enrolment(user=member, series=s2023))
    enrolments += [Enrolment(user=u, series=s2023)
                   for u in rng.sample(government, len(government) // 10) if u != member]
    track_people = {}
    for slug_, track in tracks.items():
        enrolled = rng.sample(government, len(government) // 12)
        if slug_ == "technical" and member not in enrolled:
            enrolled.append(member)
        track_people[track.pk] = enrolled
        enrolments += [Enrolment(user=u, series=s2024, track=track) for u in enrolled]
    for session in sessions_2024:
        core = {u.pk: u for t in session.tracks.all() for u in track_people[t.pk]}
        always = [member] if member.pk in core else []
        walk_ins = [u for u in rng.sample(government, len(government) // 14)
                    if u.pk not in core]
        pool = list(core.values()) + walk_ins
        _turnout(rng, session, pool, share=0.9, show_rate=0.7, regs=regs, atts=atts,
                 always=always)
    Registration.objects.bulk_create(regs, batch_size=2000)
    Attendance.objects.bulk_create(atts, batch_size=2000)
    Enrolment.objects.bulk_create(enrolments, batch_size=2000, ignore_conflicts=True)

    materials = []
    for session in sessions_2023 + sessions_2024:
        event = session.event
        stem = f"https://video.example.gov/ai-training/{event.starts_at:%Y-%m-%d}"
        materials.append(Material(event=event, kind=Material.Kind.RECORDING,
                                  title="Captioned recording", url=stem,
                                  access_level="government"))
        materials.append(Material(event=event, kind=Material.Kind.SLIDES,
                                  title="Slides (PDF)", url=stem + "/slides.pdf",
                                  access_level="signed_in"))
    Material.objects.bulk_create(materials)

    # A couple of certificates, issued as members would issue them.
    services.certificate_issue(user=member, session=sessions_2023[0])
    services.certificate_issue_for_track(user=member, track=foundations)
    services.certificate_issue_for_track(user=member, track=tracks["technical"])

    _access_requests(community, s2023, s2024, organizer, people["public"])
    context["out"].write(
        f"Training: 2 series, {len(sessions_2023) + len(sessions_2024)} sessions, "
        f"{len(regs)} registrations, {len(atts)} attendances.")


def _access_requests(community, s2023, s2024, organizer, public) -> None:
    now = timezone.now()
    pending = [
        ("Jordan Ellis", "jordan.ellis@example.com", "Department of Veterans Affairs", s2024,
         "My agency's mail system blocks meeting links, so I use a personal address."),
        ("Rosa Delgado", "rosa.delgado@example.org", "State of New Mexico", s2023,
         "I support a state AI program and my state address is not on the .gov list yet."),
    ]
    for name, email, agency, series, reason in pending:
        AccessRequest.objects.create(community=community, series=series, name=name,
                                     email=email, agency=agency, reason=reason,
                                     created_at=now - timedelta(days=2))
    # The demo's public participant was approved for the 2024 recordings, so signing in as
    # them shows what a grant does.
    approved = AccessRequest.objects.create(
        community=community, series=s2024, name=public.name, email=public.email,
        agency="General Services Administration (contractor)", user=public,
        reason="I am a contractor supporting an agency mission and sign in with my company "
               "address.", created_at=now - timedelta(days=20))
    services.access_request_approve(access_request=approved, actor=organizer)
    declined = AccessRequest.objects.create(
        community=community, series=s2024, name="Casey Vendor", email="casey@vendor.example",
        agency="A technology vendor", reason="We sell AI products and want to see the "
        "acquisition track.", created_at=now - timedelta(days=10))
    services.access_request_decline(access_request=declined, actor=organizer)

