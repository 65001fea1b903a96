"""Organizers' pages for starting a list and changing its settings (the address, who may
join, kind, moderation, digests, archive level, group). The rules are in
`services.configuration.mailing_list_save`; these pages show its answers next to the fields.

Starting a list is for the community's organizers (`organizer_page`); a list's settings are
for whoever manages it (organizers, and the group's leads for a group's list), through
`list_owner_page` like the other owner pages; only organizers may move it to another group
(`ORGANIZE`). Both need MFA."""


from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from cophub.communities.decorators import organizer_page
from cophub.core.access import ORGANIZE, can_manage

from .. import selectors, services
from ..forms import MailingListForm
from .owner import list_owner_page


def _form_page(request, *, community, form, mailing_list=None):
    return render(request, "lists/list_form.html", {
        "community": community, "mailing_list": mailing_list, "form": form,
        "title": (f"Settings of {mailing_list.name}" if mailing_list
                  else f"New mailing list in {community.name}"),
    }, status=400 if request.method == "POST" and form.errors else 200)


def _after_save(request, mailing_list):
    # A group lead who closes their list can no longer see it (inactive lists are shown to
    # organizers only): send them to the index rather than to a 404.
    visible = selectors.lists_visible_to(viewer=request.viewer).filter(
        pk=mailing_list.pk).exists()
    if visible:
        return redirect("lists:detail", mailing_list.local_part)
    return redirect("lists:index")


@organizer_page
def list_create_view(request, community):
    form = MailingListForm(request.POST or None, community=community)
    if request.method == "POST" and form.is_valid():
        try:
            mailing_list = services.mailing_list_save(community=community, actor=request.user,
                                                      data=form.service_data())
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Created {mailing_list.name} at "
                                      f"{mailing_list.address}.")
            return _after_save(request, mailing_list)
    return _form_page(request, community=community, form=form)


@list_owner_page
def list_settings_view(request, mailing_list):
    community = mailing_list.community
    form = MailingListForm(
        request.POST or None, community=community, mailing_list=mailing_list,
        may_change_group=can_manage(request.viewer, mailing_list, action=ORGANIZE))
    if request.method == "POST" and form.is_valid():
        try:
            mailing_list = services.mailing_list_save(
                community=community, actor=request.user, data=form.service_data(),
                mailing_list=mailing_list)
        except ValidationError as exc:
            form.add_service_error(exc)
        else:
            messages.success(request, f"Saved the settings of {mailing_list.name}.")
            return _after_save(request, mailing_list)
    return _form_page(request, community=community, form=form, mailing_list=mailing_list)
