"""Access to recordings: the "Request for AI Training Links", the organizers' decision, and
the grant it gives (see `selectors.material_granted`)."""

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from cophub.communities.models import CommunityRole
from cophub.core.audit import audit_record
from cophub.core.links import site_url
from cophub.core.mail import mail_enqueue_template

from ..models import AccessRequest, RecordingAccessGrant, Series
from .common import AccessRequestError, require_manager


def _series_url(series: Series) -> str:
    return site_url(series.get_absolute_url())


def access_request_submit(*, series: Series, name: str, email: str, agency: str, reason: str,
                          user=None, request=None) -> AccessRequest:
    """Record a "Request for AI Training Links" and tell the community's organizers. Anyone
    may ask, signed in or not. A second request from the same address for the same series
    while the first waits returns the first (and tells nobody again)."""
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
                     scope=community.slug, request=request, data={"email": email})
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
