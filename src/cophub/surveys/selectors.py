"""Reads about surveys, through the access policy (`core.access`).

Who may run a survey is `can_manage` on it (the community's organizers, the leads of its
group). Who may answer: its recipients (everyone in its audience when it was published), or,
for an open link, whoever its `access_level` lets see it. Who may read results: those who
run it, and — once the organizers publish them — the people who answered."""

from django.db.models import Exists, OuterRef, Q, QuerySet

from cophub.core.access import Viewer, can_manage, can_view, manageable_q

from .models import Recipient, Survey


def surveys_managed_by(*, viewer: Viewer, community) -> QuerySet[Survey]:
    """The community's surveys the person runs, newest first."""
    return (Survey.objects.filter(community=community)
            .filter(manageable_q(viewer)).select_related("group").order_by("-created_at"))


def surveys_to_answer(*, viewer: Viewer, community=None, limit: int = 5) -> list[Survey]:
    """Open surveys (of the community, or of every community) the person is asked to answer
    and has not: those sent to them, and open links they may answer. One query."""
    if not viewer.is_authenticated:
        return []
    mine = Recipient.objects.filter(survey=OuterRef("pk"), user_id=viewer.user_id)
    answered = mine.filter(responded=True)
    surveys = (Survey.objects.filter(status=Survey.Status.OPEN)
               .filter(Q(Exists(mine)) | Q(audience=Survey.Audience.LINK))
               .exclude(Exists(answered)).select_related("community")
               .order_by("closes_at", "-published_at"))
    if community is not None:
        surveys = surveys.filter(community=community)
    shown = [survey for survey in surveys[:limit * 4]
             if survey.audience != Survey.Audience.LINK
             or can_view(viewer, access_level=survey.access_level,
                         community_id=survey.community_id, group_id=survey.group_id)]
    return shown[:limit]


def may_answer(*, viewer: Viewer, survey: Survey) -> bool:
    """Whether the person may open the survey's form (whether it still takes answers is
    `services.survey_accepting_problem`)."""
    if survey.status == Survey.Status.DRAFT:
        return False
    if survey.audience == Survey.Audience.LINK:
        return can_view(viewer, access_level=survey.access_level,
                        community_id=survey.community_id, group_id=survey.group_id)
    return viewer.is_authenticated and Recipient.objects.filter(
        survey=survey, user_id=viewer.user_id).exists()


def may_read_results(*, viewer: Viewer, survey: Survey) -> bool:
    if can_manage(viewer, survey):
        return True
    return (survey.results_published and viewer.is_authenticated
            and Recipient.objects.filter(survey=survey, user_id=viewer.user_id,
                                         responded=True).exists())


def recipient_of(*, survey: Survey, user) -> Recipient | None:
    if user is None or not user.is_authenticated:
        return None
    return Recipient.objects.filter(survey=survey, user=user).first()


def recipient_counts(*, survey: Survey) -> dict[str, int]:
    """How many were asked and how many have answered (never who answered what)."""
    asked = survey.recipients.count()
    answered = survey.recipients.filter(responded=True).count()
    return {"asked": asked, "answered": answered, "waiting": asked - answered}
