"""Demo people: organizers, leads and members spread over real agencies from the registry."""

import random
from datetime import timedelta
from pathlib import Path

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from django.utils.text import slugify

from .models import Interest, Level, QualifyingAddressLapse, RegistryDomain, Tier, User
from .registry import registry_import
from .services import address_lapse

DEMO_PASSWORD = "community-of-practice"
# A fixed TOTP secret for the demo organizer, so a developer can add it to an authenticator
# app (or compute codes in a browser test). Demo data only.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

INTERESTS = ["Generative AI", "Reinforcement Learning", "AI Security",
             "Natural Language Processing", "Computer Vision", "AI Policy and Governance",
             "AI Acquisition", "Responsible AI", "Data Engineering", "MLOps"]
ROLES = ["Data Scientist", "IT Specialist", "Program Analyst", "Chief Data Officer",
         "Contracting Officer", "Policy Advisor", "Software Engineer", "Product Manager",
         "Statistician", "Management Analyst", "AI Lead", "Research Scientist"]
FIRST = ["Maria", "James", "Aisha", "Wei", "Carlos", "Priya", "John", "Fatima", "David",
         "Keisha", "Tom", "Elena", "Samuel", "Grace", "Omar", "Linda", "Raj", "Hannah", "Luis",
         "Mei", "Daniel", "Sofia", "Kevin", "Nadia", "Robert", "Yuki", "Andre", "Laura"]
LAST = ["Patterson", "Nguyen", "Garcia", "Johnson", "Chen", "Okafor", "Smith", "Patel",
        "Rodriguez", "Kim", "Williams", "Hernandez", "Brown", "Ali", "Davis", "Lopez", "Wilson",
        "Martinez", "Anderson", "Thomas", "Jackson", "White", "Harris", "Clark", "Lewis"]
# Used only when the registry cannot be loaded (no ../shared/data and no --registry).
FALLBACK_AGENCIES = [
    ("gsa.gov", "General Services Administration", Level.FEDERAL),
    ("nih.gov", "National Institutes of Health", Level.FEDERAL),
    ("va.gov", "Department of Veterans Affairs", Level.FEDERAL),
    ("dol.gov", "Department of Labor", Level.FEDERAL),
    ("nasa.gov", "National Aeronautics and Space Administration", Level.FEDERAL),
    ("ca.gov", "State of California", Level.STATE),
]

NAMED = [
    # email, name, role key, staff
    ("organizer@gsa.gov", "Olivia Organizer", "organizer", True),
    ("lead@nih.gov", "Leo Lead", "lead", False),
    ("member@va.gov", "Mia Member", "member", False),
    ("public@example.com", "Pat Public", "public", False),
]
# A member whose work address bounced for good, so it lapsed (`services.address_lapse`, as
# the lists' bounce processing does): the organizers' page counts them, and they see on
# signing in and on their addresses page why, and how to get it back. They sign in with the
# personal address they made primary; the four logins above stay as they are.
LAPSED = ("sam.rivera@example.com", "Sam Rivera", "sam.rivera@dol.gov",
          "smtp; 550 5.1.1 <sam.rivera@dol.gov>: Recipient address rejected: User unknown")


def already_loaded() -> bool:
    return User.objects.filter(email=NAMED[0][0]).exists()


def _agencies(context) -> list[tuple[str, str, str]]:
    if not RegistryDomain.objects.exists():
        source = context.get("registry") or settings.COPHUB_DOTGOV_CSV
        if source.startswith(("http://", "https://")) or Path(source).exists():
            report = registry_import(source=source)
            context["out"].write(f"Loaded the .gov registry: {report.created} domains.")
    rows = list(
        RegistryDomain.objects.filter(level=Level.FEDERAL).values_list(
            "domain", "organization", "level")
    )
    state_rows = list(
        RegistryDomain.objects.filter(level__in=[Level.STATE, Level.CITY, Level.COUNTY])
        .values_list("domain", "organization", "level")[:300]
    )
    return (rows + state_rows) or FALLBACK_AGENCIES


def build(*, context) -> None:
    rng = random.Random(context["seed"])
    now = timezone.now()
    interests = [Interest.objects.get_or_create(slug=slugify(n), defaults={"name": n})[0]
                 for n in INTERESTS]
    agencies = _agencies(context)
    # Most members come from a few dozen large agencies, as in the real community.
    weights = [5 if i < 40 else 1 for i in range(len(agencies))]
    password = make_password(DEMO_PASSWORD)  # hashed once: hashing per user would take minutes

    named = []
    for email, name, role, staff in NAMED:
        domain = email.split("@")[1]
        match = next((a for a in agencies if a[0] == domain), None)
        gov = domain.endswith((".gov", ".mil"))
        named.append(User(
            email=email, name=name, password=password, is_staff=staff,
            tier=Tier.GOVERNMENT if gov else Tier.PUBLIC, tier_domain=domain if gov else "",
            organization=match[1] if match else "", level=match[2] if match else "",
            job_role="Community organizer" if role == "organizer" else rng.choice(ROLES),
            date_joined=now - timedelta(days=rng.randint(400, 1500)),
        ))
    # The lapsed member, as they were before the bounce (no random draws, so the generated
    # members below stay the same).
    personal, lapsed_name, work, _ = LAPSED
    work_domain = work.split("@")[1]
    _, organization, level = next((a for a in agencies if a[0] == work_domain),
                                  (work_domain, "Department of Labor", Level.FEDERAL))
    named.append(User(
        email=personal, name=lapsed_name, password=password, tier=Tier.GOVERNMENT,
        tier_domain=work_domain, organization=organization, level=level,
        job_role="Program Analyst", date_joined=now - timedelta(days=900),
    ))
    people = []
    seen = {e for e, *_ in NAMED} | {personal}
    for i in range(context["members"] - len(named)):
        domain, org, level = rng.choices(agencies, weights=weights)[0]
        first, last = rng.choice(FIRST), rng.choice(LAST)
        email = f"{first}.{last}.{i}@{domain}".lower()
        if email in seen:
            continue
        seen.add(email)
        people.append(User(
            email=email, name=f"{first} {last}", password=password, tier=Tier.GOVERNMENT,
            tier_domain=domain, organization=org, level=level, job_role=rng.choice(ROLES),
            in_directory=rng.random() < 0.9,
            # Members joined over the community's years, so none is a "new account" (the
            # forum holds new accounts' first posts and limits their links).
            date_joined=now - timedelta(days=rng.randint(30, 1500)),
            bio=f"{rng.choice(ROLES)} working on {rng.choice(INTERESTS).lower()}.",
        ))
    User.objects.bulk_create(named + people, batch_size=1000)
    users = list(User.objects.filter(email__in=seen).order_by("id"))
    by_email = {u.email: u for u in users}
    EmailAddress.objects.bulk_create(
        [EmailAddress(user=u, email=u.email, verified=True, primary=True) for u in users]
        + [EmailAddress(user=by_email[personal], email=work, verified=True)],
        batch_size=1000,
    )
    context["former_government"] = [_lapse(by_email[personal])]
    through = User.interests.through
    through.objects.bulk_create(
        [through(user_id=u.pk, interest_id=i.pk)
         for u in users for i in rng.sample(interests, rng.randint(0, 3))],
        batch_size=2000,
    )
    organizer = by_email[NAMED[0][0]]
    if not Authenticator.objects.filter(user=organizer).exists():
        TOTP.activate(organizer, DEMO_TOTP_SECRET)
    context["people"] = {role: by_email[email] for email, _, role, _ in NAMED}
    context["users"] = users
    context["rng"] = rng


def _lapse(person: User) -> User:
    """The person's work address bounces for good, through the service the lists' bounce
    processing calls: the lapse, the tier recomputed, the audit row, the notice to their
    personal address. Returns the person as they are now (a public participant)."""
    *_, work, diagnostic = LAPSED
    address_lapse(email=work, reason=QualifyingAddressLapse.Reason.HARD_BOUNCE,
                  detail=diagnostic)
    person.refresh_from_db()
    return person


def print_logins(context) -> None:
    out = context["out"]
    out.write("")
    out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
    for email, _name, role, staff in NAMED:
        extra = " — site operator, MFA on" if staff else ""
        out.write(f"  {role:<10} {email}{extra}")
    out.write(f"  {'lapsed':<10} {LAPSED[0]} — their {LAPSED[2]} bounced: a public participant "
              "until they confirm it again (see E-mail addresses)")
    out.write(f"  The organizer's authenticator-app secret (TOTP): {DEMO_TOTP_SECRET}")
