"""Library pages: browsing (site-wide and per community), the resource page, the file
download, and the organizers' pages (add, edit, version history, withdraw).

Every page finds its resource through `resources_visible_to`, so a person who may not see a
resource gets a 404 on every URL about it, file and organizer pages included, before
anything else."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_POST

from cophub.communities.decorators import load_community, manage_page
from cophub.communities.models import Community, Group
from cophub.core.access import CREATE, ORGANIZE, can_manage, can_manage_in, can_view_object
from cophub.core.uploads import human_size
from cophub.events.selectors import events_visible_to

from . import selectors, services
from .forms import ResourceFilterForm, ResourceForm, resource_initial
from .models import Resource

PAGE_SIZE = 20


def _community(slug: str) -> Community:
    return get_object_or_404(Community, slug=slug)


def _visible_resource(request, community_slug: str, pk: int) -> Resource:
    try:
        return selectors.resource_for_page(viewer=request.viewer,
                                           community_slug=community_slug, pk=pk)
    except Resource.DoesNotExist:
        raise Http404("No such resource") from None


def load_resource(request, community: str, pk: int) -> tuple[Community, Resource]:
    """A resource for the pages that run it: 404 for someone who may not see it."""
    resource = _visible_resource(request, community, pk)
    return resource.community, resource


resource_creator_page = manage_page(load_community, action=CREATE)
"""Adding resources: the community's organizers and its group leads (for their groups)."""

resource_manager_page = manage_page(load_resource)
"""Pages that run one resource: the community's organizers and the leads of its group.
Someone who may not see the resource gets a 404 first."""


# --- Browsing --------------------------------------------------------------------------------

def _browse(request, community: Community | None):
    viewer = request.viewer
    communities = None if community else list(Community.objects.order_by("name"))
    practice_areas = list(selectors.practice_areas_visible_to(viewer=viewer,
                                                             community=community))
    # The status filter (withdrawn resources) is for people who run resources: who may add
    # them to this community, or (site-wide) to any.
    manages = any(can_manage(viewer, c, action=CREATE)
                  for c in ([community] if community else communities))
    form = ResourceFilterForm(
        request.GET or None, communities=communities, practice_areas=practice_areas,
        years=selectors.resource_years(viewer=viewer, community=community),
        show_status=manages)
    filters = form.cleaned_data if form.is_valid() else {}
    chosen = community or filters.get("community")
    resources = selectors.resource_list(
        viewer=viewer, community=chosen, kind=filters.get("kind", ""),
        practice_area=filters.get("practice_area"), year=filters.get("year"),
        text=filters.get("q", ""), withdrawn=filters.get("status") == "withdrawn")
    page = Paginator(resources, PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "community": community, "form": form, "page": page, "query": query.urlencode(),
        "filtered": any(v not in (None, "") for v in filters.values()),
        "withdrawn": filters.get("status") == "withdrawn",
        "can_create": community is not None and can_manage(viewer, community, action=CREATE),
        "show_community": community is None,
    }
    if request.headers.get("HX-Request"):  # htmx: only the results, as the person filters
        response = render(request, "library/partials/_results.html", context)
    else:
        response = render(request, "library/browse.html", context)
    patch_vary_headers(response, ["HX-Request"])
    return response


def library_view(request):
    return _browse(request, None)


def community_library_view(request, community):
    return _browse(request, _community(community))


# --- The resource page and its file ----------------------------------------------------------

def resource_detail_view(request, community, pk, slug=None):
    resource = _visible_resource(request, community, pk)
    if slug != resource.slug:
        return redirect(resource)
    viewer = request.viewer
    areas = list(resource.practice_areas.order_by("name"))
    related = selectors.resource_related(resource=resource, viewer=viewer,
                                         practice_area_ids=[g.pk for g in areas])
    return render(request, "library/detail.html", {
        "resource": resource, "community": resource.community,
        # Only the practice areas the viewer may see: a name alone can reveal a group.
        "practice_areas": [g for g in areas if can_view_object(viewer, g)],
        "group_visible": resource.group is not None and can_view_object(viewer, resource.group),
        "event_visible": selectors.source_event_visible(viewer=viewer, resource=resource),
        "related": related,
        "can_manage": can_manage(viewer, resource),
        "file_size": human_size(resource.file_size),
    })


def resource_file_view(request, community, pk):
    """The file, streamed from storage after the access check (404 when hidden). Only PDFs
    and images open in the browser; the rest download. The sandbox policy keeps any active
    content in a file from running with this site's origin."""
    resource = _visible_resource(request, community, pk)
    info = resource.file_info
    if not resource.file or info is None:
        raise Http404("This resource has no file")
    try:
        handle = resource.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404("The file is missing") from None
    response = FileResponse(handle, content_type=info.content_type,
                            as_attachment=not info.inline, filename=resource.file_name)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox"
    # Access differs per person: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response


# --- Organizers: add and edit ----------------------------------------------------------------

def _form_page(request, community, *, form, resource=None):
    return render(request, "library/resource_form.html", {
        "community": community, "form": form, "resource": resource,
        "title": f"Edit {resource.title}" if resource else "Add a resource",
    })


def _form_choices(request, community: Community):
    viewer = request.viewer
    return {
        "groups": selectors.manageable_groups(viewer=viewer, community=community),
        "practice_areas": Group.objects.filter(community=community,
                                               kind=Group.Kind.PRACTICE_AREA).order_by("name"),
        "events": events_visible_to(viewer=viewer, community=community).order_by(
            "-starts_at", "-id"),
        # A resource with no group is the organizers' alone.
        "group_required": not can_manage_in(viewer, community_id=community.pk,
                                            action=ORGANIZE),
    }


@resource_creator_page
def resource_create_view(request, community):
    form = ResourceForm(request.POST or None, request.FILES or None,
                        **_form_choices(request, community))
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_create(
                community=community, actor=request.user, data=form.resource_data(),
                upload=form.cleaned_data["upload"], request=request,
                viewer=request.viewer)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Added {resource.title} to the library.")
            return redirect(resource)
    return _form_page(request, community, form=form)


@resource_manager_page
def resource_edit_view(request, community, resource):
    form = ResourceForm(request.POST or None, request.FILES or None, resource=resource,
                        initial=None if request.method == "POST" else resource_initial(resource),
                        **_form_choices(request, community))
    if request.method == "POST" and form.is_valid():
        try:
            resource, changed = services.resource_edit(
                resource=resource, actor=request.user, data=form.resource_data(),
                upload=form.cleaned_data["upload"],
                change_summary=form.cleaned_data["change_summary"], request=request,
                viewer=request.viewer)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            if changed:
                messages.success(request, f"Saved {resource.title} as version "
                                          f"{resource.version}.")
            else:
                messages.info(request, "Nothing changed, so no new version was saved.")
            return redirect(resource)
    return _form_page(request, community, form=form, resource=resource)


@resource_manager_page
def resource_history_view(request, community, resource):
    return render(request, "library/history.html", {
        "community": community, "resource": resource,
        "rows": selectors.resource_history(resource=resource),
    })


@require_POST
@resource_manager_page
def resource_restore_view(request, community, resource, number):
    try:
        resource = services.resource_restore_version(
            resource=resource, number=number, actor=request.user, request=request,
            viewer=request.viewer)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("library:history", community=community.slug, pk=resource.pk)
    messages.success(request, f"Restored version {number} as version {resource.version}.")
    return redirect("library:history", community=community.slug, pk=resource.pk)


@resource_manager_page
def resource_withdraw_view(request, community, resource):
    if request.method == "POST":
        services.resource_withdraw(resource=resource, actor=request.user, request=request,
                                   viewer=request.viewer)
        messages.success(request, f"Withdrew {resource.title}. It is no longer in the library "
                                  "or search; you can reinstate it from its page.")
        return redirect(resource)
    return render(request, "library/withdraw.html", {"community": community,
                                                     "resource": resource})


@require_POST
@resource_manager_page
def resource_reinstate_view(request, community, resource):
    services.resource_reinstate(resource=resource, actor=request.user, request=request,
                                viewer=request.viewer)
    messages.success(request, f"Reinstated {resource.title} in the library.")
    return redirect(resource)
