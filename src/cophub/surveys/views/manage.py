"""The organizers' survey pages: the community's surveys, a new survey, one survey's
overview (publish, close, remind) and its settings. Every page goes through `manage_page`
(`core.access.can_manage`): the community's organizers, and the leads of a survey's group."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from cophub.accounts.decorators import manage_page
from cophub.communities.decorators import load_community
from cophub.communities.hub import person_zone
from cophub.communities.selectors import groups_manageable_by
from cophub.core.access import CREATE

from .. import selectors, services
from ..answers import definition_load
from ..forms.manage import SurveyCreateForm, SurveySettingsForm
from ..models import Survey
from .common import load_survey


def _manage_url(survey: Survey) -> str:
    return reverse("surveys:manage", args=[survey.community.slug, survey.pk])


@manage_page(load_community, action=CREATE)
def survey_list_view(request, community):
    surveys = list(selectors.surveys_managed_by(viewer=request.viewer, community=community))
    return render(request, "surveys/manage/list.html",
                  {"community": community, "surveys": surveys})


@manage_page(load_community, action=CREATE)
def survey_create_view(request, community):
    viewer = request.viewer
    organizer = viewer.is_organizer(community.pk)
    form = SurveyCreateForm(request.POST or None,
                            groups=groups_manageable_by(viewer=viewer, community=community),
                            organizer=organizer)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                community=community, actor=request.user, title=data["title"],
                group=data["group"], template=data["template"],
                anonymous=data["anonymous"], request=request)
        except services.SurveyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "The survey is saved as a draft. Check its questions "
                             "and settings, then publish it.")
            return redirect(_manage_url(survey))
    return render(request, "surveys/manage/create.html",
                  {"community": community, "form": form})


@manage_page(load_survey)
def survey_manage_view(request, community, survey):
    version = services.survey_current_version(survey)
    definition = definition_load(version)
    draft = survey.status == Survey.Status.DRAFT
    pra = services.pra_check(survey)
    return render(request, "surveys/manage/overview.html", {
        "community": community, "survey": survey, "version": version,
        "question_count": len(definition.questions),
        "section_count": len(definition.sections),
        "pra": pra,
        "problems": services.publish_problems(survey, pra=pra) if draft else [],
        "counts": selectors.recipient_counts(survey=survey),
        "accepting": services.survey_accepting_problem(survey),
        "max_reminders": services.MAX_REMINDERS,
    })


@manage_page(load_survey)
def survey_settings_view(request, community, survey):
    zone = person_zone(request.user)
    form = SurveySettingsForm(request.POST or None, instance=survey, zone=zone)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, "Settings saved.")
        return redirect(_manage_url(survey))
    return render(request, "surveys/manage/settings.html",
                  {"community": community, "survey": survey, "form": form})


@require_POST
@manage_page(load_survey)
def survey_publish_view(request, community, survey):
    try:
        services.survey_publish(survey=survey, actor=request.user, request=request)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The survey is open. Everyone in its audience is being "
                         "sent their personal link.")
    return redirect(_manage_url(survey))


@require_POST
@manage_page(load_survey)
def survey_close_view(request, community, survey):
    try:
        services.survey_close(survey=survey, actor=request.user, reason="closed by hand",
                              request=request)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, "The survey is closed and takes no more answers.")
    return redirect(_manage_url(survey))


@require_POST
@manage_page(load_survey)
def survey_remind_view(request, community, survey):
    try:
        sent = services.reminders_send(survey=survey, actor=request.user, request=request)
    except services.SurveyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"Reminder sent to {sent} "
                         f"{'person' if sent == 1 else 'people'} who have not answered.")
    return redirect(_manage_url(survey))
