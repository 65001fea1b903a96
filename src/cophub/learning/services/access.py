"""Access to recordings: the "Request for AI Training Links", the organizers' decision, and
the grant it gives (see `selectors.material_granted`).

A request comes from the web form, or by e-mail to the community's contact address (the
lists app hands such mail to `access_request_link_send`): the sender is mailed a signed link,
which proves the address is theirs, to a page where they send the same request the web form
makes. The organizers' answer goes to that address, as for the web form."""

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import formataddr

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cophub.accounts.domains import domain_verdict
from cophub.communities.models import Community, CommunityRole
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template
from cophub.events.models import Event

from ..models import AccessRequest, RecordingAccessGrant, Series
from .common import AccessRequestError, require_manager


def _series_url(series: Series) -> str:
    return site_url(series.get_absolute_url())


def access_request_submit(*, series: Series, name: str, email: str, agency: str, reason: str,
                          user=None, request=None, via: str = "web") -> AccessRequest:
    """Record a "Request for AI Training Links" and tell the community's organizers. Anyone
    may ask, signed in or not. A second request from the same address for the same series
    while the first waits returns the first (and tells nobody again). `via` ("web" or
    "email") is recorded in the audit log."""
    email = email.strip().lower()
    community = series.community
    with transaction.atomic():
        existing = AccessRequest.objects.filter(
            series=series, email=email, status=AccessRequest.Status.REQUESTED).first()
        if existing is not None:
            return existing
        access_request = AccessRequest.objects.create(
            community=community, series=series, name=name.strip(), email=email,
            agency=agency.strip(), reason=reason.strip(),
            user=user if user is not None and user.is_authenticated else None)
        audit_record(actor=user, verb="learning.access_request.submitted", obj=access_request,
                     scope=community.slug, request=request, data={"email": email, "via": via})
        queue_url = site_url(reverse("learning:access_requests",
                                     kwargs={"community": community.slug}))
        organizers = CommunityRole.objects.filter(
            community=community, role=CommunityRole.Role.ORGANIZER,
            user__is_active=True).select_related("user")
        for role in organizers:
            mail_enqueue_template(
                to=role.user.email, template_prefix="learning/email/access_requested",
                context={"access_request": access_request, "series": series,
                         "queue_url": queue_url, "person": role.user})
    return access_request


def _decide(access_request: AccessRequest, *, actor, status: str, request=None):
    require_manager(actor, access_request)
    locked = (AccessRequest.objects.select_for_update().select_related("series__community")
              .get(pk=access_request.pk))
    if locked.status != AccessRequest.Status.REQUESTED:
        raise AccessRequestError(f"This request was already {locked.status}.")
    locked.status = status
    locked.decided_by = actor
    locked.decided_at = timezone.now()
    locked.save(update_fields=["status", "decided_by", "decided_at"])
    audit_record(actor=actor, verb=f"learning.access_request.{status}", obj=locked,
                 scope=locked.community.slug, request=request, data={"email": locked.email})
    return locked


def access_request_approve(*, access_request: AccessRequest, actor,
                           request=None) -> RecordingAccessGrant:
    """Approve a request: the address gets a grant for the series' recordings (effective
    once its holder signs in with that address verified), and they are e-mailed how to see
    them. Raises AccessRequestError if the request was already decided."""
    with transaction.atomic():
        decided = _decide(access_request, actor=actor, status=AccessRequest.Status.APPROVED,
                          request=request)
        grant, _ = RecordingAccessGrant.objects.update_or_create(
            series=decided.series, email=decided.email.lower(),
            defaults={"access_request": decided, "granted_by": actor,
                      "granted_at": timezone.now(), "revoked_at": None})
        mail_enqueue_template(
            to=decided.email, template_prefix="learning/email/access_approved",
            context={"access_request": decided, "series": decided.series,
                     "series_url": _series_url(decided.series),
                     "signup_url": site_url(reverse("account_signup")),
                     "login_url": site_url(reverse("account_login"))})
    return grant


def access_request_decline(*, access_request: AccessRequest, actor,
                           request=None) -> AccessRequest:
    """Decline a request and tell the requester. Raises AccessRequestError if decided."""
    with transaction.atomic():
        decided = _decide(access_request, actor=actor, status=AccessRequest.Status.DECLINED,
                          request=request)
        mail_enqueue_template(
            to=decided.email, template_prefix="learning/email/access_declined",
            context={"access_request": decided, "series": decided.series,
                     "series_url": _series_url(decided.series)})
    return decided


def access_grant_revoke(*, grant: RecordingAccessGrant, actor,
                        request=None) -> RecordingAccessGrant:
    """Withdraw a grant; the address sees only what its tier allows from then on."""
    require_manager(actor, grant.series)
    with transaction.atomic():
        grant = RecordingAccessGrant.objects.select_for_update().get(pk=grant.pk)
        if grant.revoked_at is None:
            grant.revoked_at = timezone.now()
            grant.save(update_fields=["revoked_at"])
            audit_record(actor=actor, verb="learning.access_grant.revoked", obj=grant.series,
                         scope=grant.series.community.slug, request=request,
                         data={"email": grant.email})
    return grant


# --- requests sent by e-mail -----------------------------------------------------------

# The subject line the AI CoP has always asked for; found anywhere in a subject, in any case.
REQUEST_SUBJECT = "Request for AI Training Links"
LINK_DAYS = 7
_LINK_SALT = "cophub.learning.access_request.link"
REASON_FROM_MAIL_MAX = 600  # of the sender's own words, carried in the link
_YEAR = re.compile(r"\b(20\d\d)\b")


def subject_asks_for_training_links(subject: str) -> bool:
    """Whether a subject asks for the training links: "Re: request for AI training links",
    "Fwd: Request for AI  Training Links (2023)" do."""
    return REQUEST_SUBJECT.lower() in " ".join((subject or "").lower().split())


@dataclass(frozen=True)
class SeriesGuess:
    series: Series | None
    how: str  # "named" (the message names it), "latest_held" (newest with sessions held),
    #           "latest" (newest of all), or "none" (the community has no series)


def access_request_series_guess(*, community: Community, text: str,
                                now: datetime | None = None) -> SeriesGuess:
    """The series a mailed request asks about, as the web form asks for one. A series the
    text names by title or slug (the longest title when several match, so "2023 AI Training
    Series" beats "AI Training Series"), or by year when one series alone has that year;
    else the newest series with a published session already held (only held sessions have
    recordings); else the newest series. The request phrase itself names nothing."""
    now = now or timezone.now()
    series = list(Series.objects.filter(community=community)
                  .order_by("-year", "-created_at", "-pk"))
    if not series:
        return SeriesGuess(None, "none")
    words = " ".join(text.lower().replace(REQUEST_SUBJECT.lower(), " ").split())
    named = [s for s in series
             if " ".join(s.title.lower().split()) in words
             or re.search(rf"(?<![\w-]){re.escape(s.slug.lower())}(?![\w-])", words)]
    if named:
        return SeriesGuess(max(named, key=lambda s: len(s.title)), "named")
    years = {int(year) for year in _YEAR.findall(words)}
    by_year = [s for s in series if s.year in years]
    if len(by_year) == 1:
        return SeriesGuess(by_year[0], "named")
    held = (Series.objects.filter(community=community,
                                  sessions__event__status=Event.Status.PUBLISHED,
                                  sessions__event__starts_at__lte=now)
            .order_by("-year", "-created_at", "-pk").first())
    if held is not None:
        return SeriesGuess(held, "latest_held")
    return SeriesGuess(series[0], "latest")


@dataclass(frozen=True)
class RequestLink:
    """What a confirmation link carries: who wrote (the address it was mailed to), to which
    community, the series guessed, and the sender's words, signed by the site."""

    community_id: int
    series_id: int | None
    email: str
    name: str
    reason: str
    issued_at: datetime


def access_request_link_url(*, community: Community, email: str, name: str, reason: str,
                            series: Series | None, now: datetime | None = None) -> str:
    """The signed link that confirms `email` and opens the request page (valid for
    LINK_DAYS days). Nothing is stored until the page is sent."""
    issued = int((now or timezone.now()).timestamp())
    token = signing.dumps({"c": community.pk, "s": series.pk if series else None,
                           "e": email.strip().lower(), "n": name[:150],
                           "r": reason[:REASON_FROM_MAIL_MAX], "t": issued},
                          salt=_LINK_SALT, compress=True)
    return site_url(reverse("learning:access_request_confirm",
                            kwargs={"community": community.slug, "token": token}))


def access_request_link_read(*, token: str, community: Community) -> RequestLink | None:
    """The link's content, or None if it is forged, garbled, older than LINK_DAYS days or
    made for another community."""
    try:
        data = signing.loads(token or "", salt=_LINK_SALT,
                             max_age=timedelta(days=LINK_DAYS))
        link = RequestLink(community_id=int(data["c"]),
                           series_id=int(data["s"]) if data["s"] is not None else None,
                           email=str(data["e"]), name=str(data["n"]), reason=str(data["r"]),
                           issued_at=datetime.fromtimestamp(int(data["t"]), tz=UTC))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    return link if link.community_id == community.pk else None


def access_request_web_url(*, community: Community) -> str:
    """The web form, for people whose mail cannot start a request."""
    return site_url(reverse("learning:access_request", kwargs={"community": community.slug}))


def access_request_link_send(*, community: Community, email: str, name: str, text: str,
                             reason: str, headers: dict[str, str],
                             now: datetime | None = None) -> SeriesGuess:
    """Answer a "Request for AI Training Links" mailed by `email`: mail them the link that
    confirms their address and opens the request, from the community's contact address
    with the caller's reply `headers` (Auto-Submitted, In-Reply-To…), in the caller's
    transaction. `text` (subject and body) names the series, if any; `reason` is the
    sender's own words. Creates no request: that waits for the link. Raises
    AccessRequestError if the community has no series to ask about."""
    guess = access_request_series_guess(community=community, text=text, now=now)
    if guess.series is None:
        raise AccessRequestError(f"{community.name} has no training series to ask about yet.")
    url = access_request_link_url(community=community, email=email, name=name,
                                  reason=reason, series=guess.series, now=now)
    mail_enqueue_template(
        to=email, template_prefix="learning/email/access_request_link",
        context={"community": community, "series": guess.series, "how": guess.how,
                 "name": name, "email": email, "link_url": url, "link_days": LINK_DAYS,
                 "contact_address": community.contact_address},
        headers=headers,
        from_email=formataddr((community.name, community.contact_address)))
    return guess


def access_request_confirm(*, link: RequestLink, series: Series, name: str, agency: str,
                           reason: str, request=None) -> tuple[AccessRequest, bool]:
    """Send the request a confirmation link opened: the same request as the web form's,
    for the address the link was mailed to. One link makes at most one request per series:
    a second press (or a second click on the link) returns the request it made, whatever
    the organizers decided since; so does a request still waiting from before. Returns
    (request, whether it is new)."""
    email = link.email
    with transaction.atomic():
        # Presses of one link queue here, so two at once cannot both find nothing.
        Series.objects.select_for_update().filter(pk=series.pk).values_list("pk").first()
        made = (AccessRequest.objects.filter(series=series, email=email,
                                             created_at__gte=link.issued_at)
                .order_by("pk").first())
        if made is not None:
            return made, False
        waiting = AccessRequest.objects.filter(
            series=series, email=email, status=AccessRequest.Status.REQUESTED).first()
        if waiting is not None:
            return waiting, False
        return access_request_submit(series=series, name=name, email=email, agency=agency,
                                     reason=reason, request=request, via="email"), True


def access_request_agency_guess(email: str) -> str:
    """The organization a .gov or .mil address belongs to (the .gov registry), else ""."""
    return domain_verdict(email).organization
