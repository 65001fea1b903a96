"""Material pages: adding and removing recordings and slides (whoever runs the event), and
opening one (anyone who may see both the event and the material)."""

import os

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST, require_safe

from .. import selectors, services
from ..forms import MaterialForm
from ..models import Material
from ..services.materials import material_content_type
from .base import TEMPLATES, event_manage_page, visible_event_or_404


@event_manage_page
def materials_view(request, community, event):
    form = MaterialForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            material = services.material_add(
                event=event, actor=request.user, title=data["title"], kind=data["kind"],
                url=data["url"], upload=data["file"], access_level=data["access_level"],
                request=request)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, f"Added {material.title}.")
            return redirect("events:materials", community=community.slug, pk=event.pk)
    return render(request, TEMPLATES + "materials.html", {
        "community": community, "event": event, "form": form,
        "materials": Material.objects.filter(event=event),
    }, status=400 if form.errors else 200)


@require_POST
@event_manage_page
def material_delete_view(request, community, event, material_pk):
    material = get_object_or_404(Material, event=event, pk=material_pk)
    material.event = event
    services.material_delete(material=material, actor=request.user, request=request)
    messages.success(request, f"Removed {material.title}.")
    return redirect("events:materials", community=community.slug, pk=event.pk)


@require_safe
def material_serve_view(request, community, pk, material_pk):
    """GET: a link redirects, a file streams as an attachment. 404 unless the viewer may see
    both the event and the material."""
    event = visible_event_or_404(request, community, pk)
    material = get_object_or_404(Material, event=event, pk=material_pk)
    material.event = event
    if not selectors.material_visible(viewer=request.viewer, user=request.user,
                                      material=material):
        raise Http404("No such material")
    if material.url:
        response = HttpResponseRedirect(material.url)
    else:
        try:
            handle = material.file.open("rb")
        except (FileNotFoundError, ValueError):
            raise Http404("The file is missing") from None
        response = FileResponse(handle, as_attachment=True,
                                filename=os.path.basename(material.file.name),
                                content_type=material_content_type(material.file.name))
    # Access differs per person: no shared cache may keep it.
    response["Cache-Control"] = "private, no-store"
    return response
