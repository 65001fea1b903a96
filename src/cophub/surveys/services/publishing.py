"""Who a survey asks, the Paperwork Reduction Act's rule, publishing and closing."""

from dataclasses import dataclass
from datetime import date

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from cophub.accounts.models import Level, Tier
from cophub.communities.models import Membership
from cophub.core.audit import audit_record
from cophub.events.models import Attendance
from cophub.learning.models import Enrolment
from cophub.lists.models import Subscription

from ..answers import definition_load, definition_problems
from ..models import Recipient, Survey
from .common import SurveyError
from .definitions import survey_current_version
from .invitations import invitations_send
from .responses import ballots_count

# A collection of identical questions put to this many people or more who are not federal
# employees answering in their role needs OMB's approval (5 CFR 1320.3(c)).
PRA_RESPONDENT_THRESHOLD = 10
FEDERAL_LEVELS = (Level.FEDERAL, Level.MILITARY)


def audience_people(survey: Survey) -> QuerySet:
    """The active accounts the survey asks (none for an open link: anyone allowed may
    answer)."""
    users = get_user_model().objects.filter(is_active=True)
    match survey.audience:
        case Survey.Audience.COMMUNITY:
            return users.filter(community_roles__community=survey.community_id).distinct()
        case Survey.Audience.GROUP:
            return users.filter(memberships__group=survey.audience_group_id,
                                memberships__state=Membership.State.ACTIVE).distinct()
        case Survey.Audience.LIST:
            return users.filter(pk__in=Subscription.objects.filter(
                mailing_list=survey.audience_list_id, state=Subscription.State.ACTIVE,
                subscriber__user__isnull=False).values("subscriber__user"))
        case Survey.Audience.EVENT:
            return users.filter(pk__in=Attendance.objects.filter(
                event=survey.audience_event_id, revoked_at__isnull=True).values("user"))
        case Survey.Audience.SERIES:
            return users.filter(pk__in=Enrolment.objects.filter(
                series=survey.audience_series_id).values("user"))
    return users.none()


def federal_q() -> Q:
    """Federal government members (employees answering in their role, for the PRA)."""
    return Q(tier=Tier.GOVERNMENT, level__in=FEDERAL_LEVELS)


@dataclass(frozen=True)
class PraCheck:
    recipients: int | None  # None: an open link, whose number nobody knows in advance
    non_federal: int | None
    needs_clearance: bool
    cleared_by: str  # "control number", "exemption" or ""
    problem: str  # why it may not be published, or ""

    @property
    def ok(self) -> bool:
        return not self.problem


def pra_check(survey: Survey, *, today: date | None = None) -> PraCheck:
    """Whether the Paperwork Reduction Act lets the survey go out as it stands: an audience
    of ten or more that includes people who are not federal members (public participants,
    state, local and tribal members) needs a current OMB control number or a recorded
    exemption. A person counts as federal only when their verified address says so (a
    federal or military level of government): a level nobody knows counts as not federal,
    the safe side. An open link always counts as such an audience: nobody knows in advance
    how many will answer or who."""
    today = today or timezone.localdate()
    if survey.audience == Survey.Audience.LINK:
        recipients = non_federal = None
        needs = True
    else:
        people = audience_people(survey)
        recipients = people.count()
        non_federal = people.exclude(federal_q()).count()
        needs = non_federal > 0 and recipients >= PRA_RESPONDENT_THRESHOLD
    expired = bool(survey.omb_control_number and survey.omb_expires_on
                   and survey.omb_expires_on < today)
    cleared_by, problem = "", ""
    if survey.omb_control_number and not expired:
        cleared_by = "control number"
    elif survey.pra_exemption.strip():
        cleared_by = "exemption"
    if expired:
        problem = (f"OMB control number {survey.omb_control_number} expired on "
                   f"{survey.omb_expires_on:%B %-d, %Y}: enter the renewed number and date.")
    elif needs and not cleared_by:
        who = ("Anyone with the link may answer" if recipients is None else
               f"This survey goes to {recipients} people, {non_federal} of them not federal "
               "government members")
        problem = (f"{who}, so the Paperwork Reduction Act applies: enter the survey's OMB "
                   "control number with its expiration date, or record why it is exempt "
                   "(for example, federal employees answering in their official role).")
    elif cleared_by == "control number" and not survey.burden_minutes:
        problem = "Enter the burden estimate that goes with the OMB control number."
    return PraCheck(recipients=recipients, non_federal=non_federal, needs_clearance=needs,
                    cleared_by=cleared_by, problem=problem)


def publish_problems(survey: Survey, *, now=None, pra: PraCheck | None = None) -> list[str]:
    """Everything that stops `survey_publish`, as sentences (empty when it may go). `pra`:
    the survey's `pra_check` when the caller has it already (it counts the audience)."""
    now = now or timezone.now()
    problems = []
    if survey.status != Survey.Status.DRAFT:
        problems.append("Only a draft can be published.")
    definition = definition_load(survey_current_version(survey))
    if not any(section.questions for section in definition.sections):
        problems.append("Add at least one question.")
    problems += definition_problems(definition)
    target = {Survey.Audience.GROUP: (survey.audience_group_id, "group"),
              Survey.Audience.LIST: (survey.audience_list_id, "mailing list"),
              Survey.Audience.EVENT: (survey.audience_event_id, "event"),
              Survey.Audience.SERIES: (survey.audience_series_id, "training series")}
    if survey.audience in target and target[survey.audience][0] is None:
        problems.append(f"Choose which {target[survey.audience][1]} the survey goes to.")
    if survey.closes_at is not None and survey.closes_at <= now:
        problems.append("The closing time has passed: choose a later one.")
    pra = pra or pra_check(survey, today=timezone.localdate(now))
    if not pra.ok:
        problems.append(pra.problem)
    return problems


@transaction.atomic
def survey_publish(*, survey: Survey, actor, request=None) -> Survey:
    """Open the survey: its anonymity is fixed from here on, and everyone in its audience
    becomes a recipient (one each, whatever the overlaps) and is sent their personal link."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    pra = pra_check(locked)
    problems = publish_problems(locked, pra=pra)
    if problems:
        raise SurveyError(" ".join(problems))
    now = timezone.now()
    locked.status, locked.published_at = Survey.Status.OPEN, now
    locked.save(update_fields=["status", "published_at"])
    people = audience_people(locked).values_list("pk", flat=True)
    Recipient.objects.bulk_create([Recipient(survey=locked, user_id=pk) for pk in people],
                                  batch_size=1000, ignore_conflicts=True)
    invitations_send(survey=locked)
    audit_record(actor=actor, verb="surveys.survey.published", obj=locked,
                 scope=locked.community.slug, request=request,
                 data={"anonymous": locked.anonymous, "audience": locked.audience,
                       "recipients": locked.recipients.count(),
                       "pra": pra.cleared_by})
    return locked


@transaction.atomic
def survey_close(*, survey: Survey, actor=None, reason: str = "", request=None) -> Survey:
    """Stop taking answers. What is still in the ballot box is counted at once."""
    locked = Survey.objects.select_for_update().get(pk=survey.pk)
    if locked.status != Survey.Status.OPEN:
        raise SurveyError("Only an open survey can be closed.")
    locked.status, locked.closed_at = Survey.Status.CLOSED, timezone.now()
    locked.save(update_fields=["status", "closed_at"])
    ballots_count(survey=locked, final=True)
    audit_record(actor=actor, verb="surveys.survey.closed", obj=locked,
                 scope=locked.community.slug, request=request, data={"reason": reason})
    return locked


def surveys_close_due(*, now=None) -> int:
    """The periodic job: close open surveys past their closing time or whose OMB control
    number has expired. Returns how many were closed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = Survey.objects.filter(status=Survey.Status.OPEN).filter(
        Q(closes_at__lte=now) | Q(omb_expires_on__lt=today))
    closed = 0
    for survey in due:
        reason = ("control number expired" if survey.omb_expires_on
                  and survey.omb_expires_on < today else "closing time")
        try:
            survey_close(survey=survey, reason=reason)
        except SurveyError:  # closed by someone else meanwhile
            continue
        closed += 1
    return closed
