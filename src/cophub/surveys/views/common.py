"""Loaders shared by the survey pages."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from cophub.communities.models import Community
from cophub.core.access import can_manage

from ..models import Survey
from ..selectors import may_answer, may_read_results


def load_community(request, community: str) -> Community:
    return get_object_or_404(Community, slug=community)


def survey_in(community: str, pk: int) -> Survey:
    """The survey at this address (404 if it is not in that community)."""
    survey = (Survey.objects.select_related("community", "group")
              .filter(pk=pk, community__slug=community).first())
    if survey is None:
        raise Http404("No such survey")
    return survey


def load_survey(request, community: str, pk: int) -> tuple[Community, Survey]:
    """A survey for the pages that run it (`manage_page`): someone who may not run it and
    is not asked to answer it gets the same 404 as for a survey that does not exist."""
    survey = survey_in(community, pk)
    viewer = request.viewer
    if not (can_manage(viewer, survey) or may_answer(viewer=viewer, survey=survey)
            or may_read_results(viewer=viewer, survey=survey)):
        raise Http404("No such survey")
    return survey.community, survey
