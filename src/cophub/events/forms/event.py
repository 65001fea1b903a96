"""Forms for the event pages: the list filters, registration with the event's own
questions, and the organizers' event form with its questions."""

import zoneinfo
from datetime import UTC, date, datetime, time

from dateutil.relativedelta import relativedelta, weekday
from django import forms
from django.db import models

from cophub.core.forms import FilterDateField, Form, ModelForm, WallClockDateTimeField
from cophub.core.timezones import DEFAULT_TIME_ZONE, US_TIME_ZONES, time_zone_label

from ..models import Event, Question

MAX_OCCURRENCES = 24
ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


class DateInput(forms.DateInput):
    input_type = "date"


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%H:%M")


# --- Time zones ------------------------------------------------------------------------

class WallClockError(ValueError):
    pass


def wall_clock_to_utc(local: datetime, zone: str) -> datetime:
    """The UTC instant of a wall-clock time in `zone`. Raises WallClockError for a time
    that does not exist there (skipped when clocks spring forward) or that happens twice
    (the hour repeated when clocks fall back): either would put people in the wrong room.

    zoneinfo accepts both silently (it picks an offset by `fold`), so they are detected by
    comparing the two folds and round-tripping through UTC."""
    tz = zoneinfo.ZoneInfo(zone)
    first = local.replace(tzinfo=tz, fold=0)
    second = local.replace(tzinfo=tz, fold=1)
    instant = first.astimezone(UTC)
    when = f"{local:%-I:%M %p} on {local:%B %-d, %Y}"
    where = time_zone_label(zone)
    if instant.astimezone(tz).replace(tzinfo=None) != local:
        raise WallClockError(f"{when} does not exist in {where}: clocks skip that hour when "
                             "daylight saving time starts. Choose another time.")
    if first.utcoffset() != second.utcoffset():
        raise WallClockError(f"{when} happens twice in {where}: clocks repeat that hour when "
                             "daylight saving time ends. Choose a time outside that hour.")
    return instant


def utc_to_wall_clock(value: datetime | None, zone: str) -> datetime | None:
    if value is None:
        return None
    return value.astimezone(zoneinfo.ZoneInfo(zone)).replace(tzinfo=None)


def monthly_dates(first: date, count: int) -> list[date]:
    """`count` dates, one a month, on the same weekday of the month as `first` ("the second
    Tuesday"); a fifth weekday becomes "the last" (not every month has a fifth)."""
    nth = (first.day - 1) // 7 + 1
    day = weekday(first.weekday())
    if nth == 5:
        return [first + relativedelta(months=+k, day=31, weekday=day(-1)) for k in range(count)]
    return [first + relativedelta(months=+k, day=1, weekday=day(+nth)) for k in range(count)]


def weekday_of_month(first: date) -> str:
    nth = (first.day - 1) // 7 + 1
    return f"the {ORDINALS[nth if nth < 5 else -1]} {first:%A} of each month"


# --- The event list ----------------------------------------------------------------------

class EventFilterForm(Form):
    kind = forms.ChoiceField(label="Kind of event", required=False,
                             choices=[("", "Any kind"), *Event.Kind.choices])
    group = forms.ChoiceField(label="Host group", required=False)
    practice_area = forms.ChoiceField(required=False)
    # Turned into the start of the day (and the day after) in the viewer's zone: bounded so
    # that cannot overflow.
    date_from = FilterDateField(label="From", widget=DateInput)
    date_to = FilterDateField(label="To", widget=DateInput)

    def __init__(self, *args, groups: list, **kwargs):
        """`groups`: the community's groups the viewer may see. Choices by slug; the cleaned
        values are the groups themselves (or None)."""
        super().__init__(*args, **kwargs)
        self.groups = {g.slug: g for g in groups}
        self.fields["group"].choices = [("", "Any group")] + [
            (g.slug, g.name) for g in groups if g.kind != "practice_area"]
        self.fields["practice_area"].choices = [("", "Any practice area")] + [
            (g.slug, g.name) for g in groups if g.kind == "practice_area"]

    def clean_group(self):
        return self.groups.get(self.cleaned_data["group"])

    def clean_practice_area(self):
        return self.groups.get(self.cleaned_data["practice_area"])

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", "The end of the date range must not be before its start.")
        return data


# --- Registration --------------------------------------------------------------------------

def question_field_name(question: Question) -> str:
    return f"q_{question.pk}"


class RegistrationForm(Form):
    """The event's own questions, one field `q_<question id>` each. `registration_create`
    checks the answers again (the service is the authority; this gives the page its
    per-field messages)."""

    YES_NO = [("yes", "Yes"), ("no", "No")]

    def __init__(self, *args, questions: list[Question], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        messages = {"required": "This question needs an answer.",
                    "invalid_choice": "Choose one of the options."}
        for question in questions:
            if question.kind == Question.Kind.CHOICE:
                field = forms.ChoiceField(choices=[(c, c) for c in question.choices],
                                          widget=forms.RadioSelect)
            elif question.kind == Question.Kind.YES_NO:
                field = forms.ChoiceField(choices=self.YES_NO, widget=forms.RadioSelect)
            else:
                field = forms.CharField(max_length=2000, widget=forms.Textarea(
                    attrs={"rows": 3}))
                messages_for_text = {"max_length": "Keep the answer under 2,000 characters."}
                field.error_messages.update(messages_for_text)
            field.label = question.label
            field.required = question.required
            field.error_messages.update(messages)
            self.fields[question_field_name(question)] = field

    def answers(self) -> dict[str, str]:
        return {str(q.pk): self.cleaned_data.get(question_field_name(q)) or ""
                for q in self.questions}

    def add_answer_errors(self, errors: dict[int, str]) -> None:
        for question_id, message in errors.items():
            name = f"q_{question_id}"
            self.add_error(name if name in self.fields else None, message)


# --- Organizers: the event form --------------------------------------------------------------

def _formfield(model_field, **kwargs):
    if isinstance(model_field, models.URLField):
        kwargs["assume_scheme"] = "https"  # a join link typed without a scheme
    return model_field.formfield(**kwargs)


class EventForm(ModelForm):
    date = forms.DateField(help_text="In the event's time zone.", widget=DateInput)
    start_time = forms.TimeField(widget=TimeInput)
    end_time = forms.TimeField(widget=TimeInput)
    end_date = forms.DateField(required=False, widget=DateInput,
                               help_text="Only if the event ends on a later day.")
    time_zone = forms.ChoiceField(choices=US_TIME_ZONES, initial=DEFAULT_TIME_ZONE,
                                  help_text="The zone the dates and times on this form are "
                                            "in. People see the times in their own zone.")
    registration_opens = WallClockDateTimeField(
        required=False, help_text="In the event's time zone. Leave empty to open at once.")
    registration_closes = WallClockDateTimeField(
        required=False, help_text="In the event's time zone. Leave empty to keep it open "
                                  "until the event ends.")
    repeat_months = forms.IntegerField(
        label="Number of monthly occurrences", min_value=1, max_value=MAX_OCCURRENCES,
        initial=1, help_text="1 for a single event. More creates one event a month on the "
                             "same weekday of the month (for example the second Tuesday), "
                             "each with its own registrations.")

    # Where each time field's errors go, when event_save reports them by model field.
    SERVICE_FIELDS = {"starts_at": "start_time", "ends_at": "end_time",
                      "registration_opens_at": "registration_opens",
                      "registration_closes_at": "registration_closes"}

    class Meta:
        model = Event
        formfield_callback = _formfield
        fields = ["kind", "title", "description", "speakers", "group", "time_zone",
                  "join_url", "location", "capacity", "access_level", "status"]
        widgets = {"description": forms.Textarea(attrs={"rows": 10}),
                   "speakers": forms.Textarea(attrs={"rows": 3}),
                   "access_level": forms.RadioSelect, "status": forms.RadioSelect}
        labels = {"kind": "Kind of event"}
        help_texts = {"description": "Markdown. Up to 20,000 characters."}
        error_messages = {"description": {"max_length": (
            "The description is too long: %(show_value)d characters. Keep it under "
            "%(limit_value)d characters, and link to longer material.")}}

    field_order = ["kind", "title", "description", "speakers", "group", "date", "start_time",
                   "end_time", "end_date", "time_zone", "join_url", "location", "capacity",
                   "registration_opens", "registration_closes", "access_level", "status",
                   "repeat_months"]

    def __init__(self, *args, groups, creating: bool, group_required: bool = False,
                 **kwargs):
        """`groups`: the groups the person may host events for (all of the community's for
        organizers; the ones they lead for group leads, who must choose one)."""
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups
        self.fields["group"].label = "Host group"
        self.fields["group"].required = group_required
        self.fields["group"].empty_label = (None if group_required
                                            else "None (the whole community)")
        # The browser would cut a pasted description silently; the server explains instead.
        self.fields["description"].widget.attrs.pop("maxlength", None)
        if not creating:
            del self.fields["repeat_months"]
        event = self.instance
        if event.pk:
            zone = event.time_zone
            if zone not in dict(US_TIME_ZONES):
                self.fields["time_zone"].choices = [*US_TIME_ZONES, (zone, time_zone_label(zone))]
            starts = utc_to_wall_clock(event.starts_at, zone)
            ends = utc_to_wall_clock(event.ends_at, zone)
            self.initial.update({
                "date": starts.date(), "start_time": starts.time(), "end_time": ends.time(),
                "end_date": ends.date() if ends.date() != starts.date() else None,
                "registration_opens": utc_to_wall_clock(event.registration_opens_at, zone),
                "registration_closes": utc_to_wall_clock(event.registration_closes_at, zone),
            })

    def _utc(self, local: datetime, zone: str, field: str) -> datetime | None:
        try:
            return wall_clock_to_utc(local, zone)
        except WallClockError as exc:
            self.add_error(field, str(exc))
            return None

    def clean(self):
        data = super().clean()
        zone = data.get("time_zone")
        if not zone or not all(data.get(f) for f in ("date", "start_time", "end_time")):
            return data
        start_local = datetime.combine(data["date"], data["start_time"])
        end_local = datetime.combine(data.get("end_date") or data["date"], data["end_time"])
        if end_local <= start_local:
            self.add_error("end_time", "The event must end after it starts.")
            return data
        duration = end_local - start_local
        windows = {name: data.get(name) for name in ("registration_opens",
                                                     "registration_closes")}
        if (windows["registration_opens"] and windows["registration_closes"]
                and windows["registration_closes"] <= windows["registration_opens"]):
            self.add_error("registration_closes", "Registration must close after it opens.")
            return data

        occurrences = []
        count = data.get("repeat_months") or 1
        for day in monthly_dates(data["date"], count):
            shift = datetime.combine(day, time()) - datetime.combine(data["date"], time())
            local = start_local + shift
            occurrence = {"starts_at": self._utc(local, zone, "start_time"),
                          "ends_at": self._utc(local + duration, zone, "end_time")}
            for name, local_value in windows.items():
                occurrence[f"{name}_at"] = (self._utc(local_value + shift, zone, name)
                                            if local_value else None)
            occurrences.append(occurrence)
            if self.errors:
                break
        if not self.errors:
            data["occurrences"] = occurrences
            if count > 1:
                data["recurrence_text"] = weekday_of_month(data["date"])
        return data

    def event_data(self) -> dict:
        """The fields `event_save` takes, for the first (or only) occurrence."""
        data = {name: self.cleaned_data[name] for name in self.Meta.fields}
        data.update(self.cleaned_data["occurrences"][0])
        return data

    def add_service_error(self, error) -> None:
        """Show a ValidationError from `event_save` next to the field it is about."""
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                target = self.SERVICE_FIELDS.get(name, name)
                self.add_error(target if target in self.fields else None, errors)
        else:
            self.add_error(None, error)


class QuestionForm(Form):
    id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    label = forms.CharField(label="Question", max_length=300, required=False)
    kind = forms.ChoiceField(label="Kind of answer", choices=Question.Kind.choices,
                             initial=Question.Kind.TEXT)
    choices = forms.CharField(label="Options", required=False, max_length=3000,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text="For a choice question: one option per line.")
    required = forms.BooleanField(label="An answer is required", required=False)

    def clean(self):
        data = super().clean()
        if self.cleaned_data.get("DELETE"):
            return data
        options = [line.strip() for line in (data.get("choices") or "").splitlines()
                   if line.strip()]
        if not data.get("label"):
            if data.get("id") or options:
                self.add_error("label", "Write the question, or tick “Remove this question”.")
            return data
        if data.get("kind") == Question.Kind.CHOICE:
            if len(options) < 2:
                self.add_error("choices", "Give at least two options, one per line.")
            elif len(set(options)) != len(options):
                self.add_error("choices", "Each option must be different.")
            elif any(len(o) > 200 for o in options):
                self.add_error("choices", "Keep each option under 200 characters.")
        data["options"] = options
        return data


class BaseQuestionFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        if forms.formsets.DELETION_FIELD_NAME in form.fields:
            form.fields[forms.formsets.DELETION_FIELD_NAME].label = "Remove this question"

    def questions(self) -> list[dict]:
        """The questions to keep, in order, for `event_questions_save`."""
        kept = []
        for form in self.forms:
            data = form.cleaned_data
            if not data or data.get("DELETE") or not data.get("label"):
                continue
            kept.append({"id": data.get("id"), "label": data["label"], "kind": data["kind"],
                         "choices": data.get("options", []), "required": data["required"]})
        return kept


QuestionFormSet = forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=2,
                                        can_delete=True, can_delete_extra=False, max_num=30,
                                        validate_max=True)


def question_initial(event: Event) -> list[dict]:
    return [{"id": q.pk, "label": q.label, "kind": q.kind, "choices": "\n".join(q.choices),
             "required": q.required} for q in event.questions.all()]


REGISTRANT_STATUSES = [("", "All registrations"), ("confirmed", "Confirmed"),
                       ("waitlisted", "Wait-listed"), ("cancelled", "Canceled")]


class RegistrantFilterForm(Form):
    status = forms.ChoiceField(required=False, choices=REGISTRANT_STATUSES)

