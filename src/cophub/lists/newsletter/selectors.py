"""Reads about newsletter issues, with visibility decided here."""

from django.db.models import QuerySet

from cophub.communities.models import Community
from cophub.core.access import Viewer, can_manage, can_view_object, visible_q

from ..models import MailingList, NewsletterIssue, Subscription


def newsletter_issues_sent(*, viewer: Viewer, community: Community) -> QuerySet:
    """Sent issues of the community the viewer may read, newest first."""
    return (NewsletterIssue.objects
            .filter(community=community, status=NewsletterIssue.Status.SENT)
            .filter(visible_q(viewer, group_field=None))
            # The archive lists titles; the bodies stay in the database.
            .defer("body_markdown", "rendered_html", "rendered_text")
            .order_by("-sent_at", "-id"))


def newsletter_latest(*, viewer: Viewer, community: Community | None = None):
    """The latest sent issue the viewer may read, of a community or of any (one query)."""
    qs = (NewsletterIssue.objects.filter(status=NewsletterIssue.Status.SENT)
          .filter(visible_q(viewer, group_field=None)).select_related("community")
          .defer("body_markdown", "rendered_html", "rendered_text"))
    if community is not None:
        qs = qs.filter(community=community)
    return qs.order_by("-sent_at", "-id").first()


def newsletter_issues_unsent(*, viewer: Viewer, community: Community) -> QuerySet:
    """Drafts, scheduled and sending issues: for those who manage the community's
    newsletter (its organizers)."""
    if not can_manage(viewer, community):
        return NewsletterIssue.objects.none()
    return (NewsletterIssue.objects.filter(community=community)
            .exclude(status=NewsletterIssue.Status.SENT)
            .order_by("-updated_at", "-id"))


def newsletter_issue_for_page(*, viewer: Viewer, community_slug: str,
                              slug: str) -> NewsletterIssue:
    """The issue's web version: sent and visible, or any issue for those who manage the
    community's newsletter. Raises NewsletterIssue.DoesNotExist otherwise (a 404, never a
    403)."""
    issue = (NewsletterIssue.objects.select_related("community")
             .get(community__slug=community_slug, slug=slug))
    if can_manage(viewer, issue.community):
        return issue
    if issue.status != NewsletterIssue.Status.SENT or not can_view_object(viewer, issue):
        raise NewsletterIssue.DoesNotExist
    return issue


def newsletter_lists_for(*, community: Community) -> QuerySet[MailingList]:
    """The lists an issue of this community may go to."""
    return MailingList.objects.filter(community=community, is_active=True).order_by("name")


def newsletter_recipients_q(issue: NewsletterIssue) -> QuerySet[Subscription]:
    """Active subscriptions to the issue's lists, whatever their delivery mode: a newsletter
    is not a list post, and people who read a list on the web still get the newsletter."""
    return Subscription.objects.filter(mailing_list__newsletter_issues=issue,
                                       state=Subscription.State.ACTIVE)


def newsletter_recipient_count(*, issue: NewsletterIssue) -> int:
    """Distinct people who would receive the issue now (one copy each)."""
    return (newsletter_recipients_q(issue).values("subscriber_id").distinct().count())


def newsletter_issues_due(*, now) -> list[int]:
    return list(NewsletterIssue.objects.filter(status=NewsletterIssue.Status.SCHEDULED,
                                               scheduled_for__lte=now)
                .order_by("scheduled_for", "id").values_list("pk", flat=True))
