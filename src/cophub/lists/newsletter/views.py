"""Newsletter pages: the archive of sent issues and each issue's web version (for whoever
its access level admits), and the organizers' pages: compose, edit, and the preview, from
which an organizer sends a test to themselves, schedules, or sends now.

Every page finds its issue through `newsletter_issue_for_page`, so a person who may not
read an issue gets a 404 on every URL about it. The organizers' pages go through
`communities.decorators.organizer_page` (`manage_page` of the community: a newsletter
belongs to the community)."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render

from cophub.communities.decorators import organizer_page
from cophub.communities.models import Community
from cophub.core.access import can_manage
from cophub.core.timezones import DEFAULT_TIME_ZONE

from ..models import NewsletterIssue
from . import selectors
from . import services as newsletter_services
from .forms import NewsletterIssueForm, ScheduleForm

PAGE_SIZE = 20


def _issue(request, community: str, slug: str) -> NewsletterIssue:
    try:
        return selectors.newsletter_issue_for_page(viewer=request.viewer,
                                                   community_slug=community, slug=slug)
    except NewsletterIssue.DoesNotExist:
        raise Http404("No such newsletter issue") from None


def newsletter_index_view(request, community):
    community = get_object_or_404(Community, slug=community)
    viewer = request.viewer
    page = Paginator(selectors.newsletter_issues_sent(viewer=viewer, community=community),
                     PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    return render(request, "lists/newsletter/index.html", {
        "community": community, "page": page,
        "unsent": list(selectors.newsletter_issues_unsent(viewer=viewer, community=community)),
        "is_organizer": can_manage(viewer, community),
    })


def newsletter_detail_view(request, community, slug):
    issue = _issue(request, community, slug)
    if issue.status != NewsletterIssue.Status.SENT:  # only organizers get this far
        return redirect("newsletters:preview", issue.community.slug, issue.slug)
    return render(request, "lists/newsletter/detail.html", {
        "community": issue.community, "issue": issue,
        "is_organizer": can_manage(request.viewer, issue.community),
    })


def _form_page(request, community, form, issue=None):
    return render(request, "lists/newsletter/form.html", {
        "community": community, "form": form, "issue": issue,
        "title": f"Edit {issue.title}" if issue else "New newsletter issue",
    })


@organizer_page
def newsletter_compose_view(request, community):
    lists = selectors.newsletter_lists_for(community=community)
    form = NewsletterIssueForm(request.POST or None, lists=lists)
    if request.method == "POST" and form.is_valid():
        try:
            issue = newsletter_services.newsletter_issue_save(
                community=community, actor=request.user, data=form.cleaned_data)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Saved {issue.title} as a draft. Check the preview.")
            return redirect("newsletters:preview", community.slug, issue.slug)
    return _form_page(request, community, form)


@organizer_page
def newsletter_edit_view(request, community, slug):
    issue = _issue(request, community.slug, slug)
    if issue.status not in newsletter_services.EDITABLE:
        messages.error(request, "This issue is being sent or was sent; it can no longer be "
                                "changed.")
        return redirect("newsletters:detail", community.slug, issue.slug)
    lists = selectors.newsletter_lists_for(community=community)
    initial = {"title": issue.title, "body_markdown": issue.body_markdown,
               "lists": list(issue.lists.all()), "access_level": issue.access_level}
    form = NewsletterIssueForm(request.POST or None, lists=lists,
                               initial=None if request.method == "POST" else initial)
    if request.method == "POST" and form.is_valid():
        try:
            issue = newsletter_services.newsletter_issue_save(
                community=community, actor=request.user, data=form.cleaned_data, issue=issue)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Saved {issue.title}.")
            return redirect("newsletters:preview", community.slug, issue.slug)
    return _form_page(request, community, form, issue)


def _preview_post(request, issue, schedule_form):
    """Carry out one of the preview page's buttons; returns a response, or None to show
    the page again (with the schedule form's errors)."""
    action = request.POST.get("action")
    here = redirect("newsletters:preview", issue.community.slug, issue.slug)
    try:
        if action == "test":
            newsletter_services.newsletter_issue_send_test(issue=issue, actor=request.user)
            messages.success(request, f"Sent a test to {request.user.email}.")
            return here
        if action == "schedule":
            if not schedule_form.is_valid():
                return None
            newsletter_services.newsletter_issue_schedule(
                issue=issue, actor=request.user, when=schedule_form.cleaned_data["when"])
            messages.success(request, "Scheduled. It will be sent at the time shown.")
            return here
        if action == "unschedule":
            newsletter_services.newsletter_issue_unschedule(issue=issue, actor=request.user)
            messages.success(request, "No longer scheduled; the issue is a draft again.")
            return here
        if action == "send" and request.POST.get("confirmed") == "yes":
            newsletter_services.newsletter_issue_send(issue=issue, actor=request.user)
            messages.success(request, f"Sending {issue.title}.")
            return redirect("newsletters:detail", issue.community.slug, issue.slug)
    except ValidationError as exc:
        if hasattr(exc, "error_dict") and "when" in exc.error_dict:
            schedule_form.add_error("when", exc.error_dict["when"])
            return None
        messages.error(request, " ".join(exc.messages))
        return here
    messages.error(request, "That did not work: choose one of the buttons on this page.")
    return here


@organizer_page
def newsletter_preview_view(request, community, slug):
    issue = _issue(request, community.slug, slug)
    zone = getattr(request.user, "time_zone", "") or DEFAULT_TIME_ZONE
    schedule_form = ScheduleForm(request.POST if request.POST.get("action") == "schedule"
                                 else None, time_zone=zone)
    if request.method == "POST":
        response = _preview_post(request, issue, schedule_form)
        if response is not None:
            return response
    render_error = ""
    if issue.status in newsletter_services.EDITABLE:
        try:
            html, text = newsletter_services.newsletter_issue_render(issue=issue)
        except ValidationError as exc:
            html, text, render_error = "", "", " ".join(exc.messages)
    else:
        html, text = issue.rendered_html, issue.rendered_text
    lists = list(issue.lists.all())
    return render(request, "lists/newsletter/preview.html", {
        "community": community, "issue": issue, "html": html, "text": text,
        "render_error": render_error, "lists": lists, "schedule_form": schedule_form,
        "time_zone": zone, "confirm_send": request.GET.get("confirm") == "send",
        "recipient_count": selectors.newsletter_recipient_count(issue=issue),
        "editable": issue.status in newsletter_services.EDITABLE,
    })
