"""Forms for the pages after an event: check-in search, attendance import, materials, the
feedback survey and the fiscal-year report."""

from django import forms
from django.core.exceptions import ValidationError

from cophub.core.forms import Form
from cophub.core.timezones import US_TIME_ZONES

from ..models import Material
from ..services import attendance_reports
from ..services import materials as material_services


class CheckInSearchForm(Form):
    q = forms.CharField(label="Find a registrant", required=False, max_length=100,
                        help_text="Part of a name or e-mail address.")


class AttendanceImportForm(Form):
    report = forms.FileField(
        label="Attendance report",
        help_text="The participant report exported from Zoom, or the attendance report "
                  "downloaded from Microsoft Teams (CSV, up to 5 MB).")
    report_format = forms.ChoiceField(
        label="Format", initial="auto", widget=forms.RadioSelect,
        choices=[("auto", "Detect automatically"), ("zoom", "Zoom participant report"),
                 ("teams", "Microsoft Teams attendance report")])
    time_zone = forms.ChoiceField(
        label="Time zone of the times in the report", choices=US_TIME_ZONES,
        help_text="The time zone of the Zoom or Teams account that exported it.")

    def clean_report(self):
        report = self.cleaned_data["report"]
        if report.size > attendance_reports.MAX_BYTES:
            raise ValidationError(
                f"The file is larger than {attendance_reports.MAX_BYTES // (1024 * 1024)} MB. "
                "Export only the participant report of this event.")
        return report


class MaterialForm(Form):
    title = forms.CharField(max_length=200)
    kind = forms.ChoiceField(choices=Material.Kind.choices, widget=forms.RadioSelect,
                             initial=Material.Kind.RECORDING)
    url = forms.URLField(label="Link", required=False, max_length=500, assume_scheme="https",
                         help_text="A link to the recording or file, or upload a file below.")
    file = forms.FileField(
        required=False,
        help_text=f"PDF, PowerPoint (.pptx) or MP4, up to "
                  f"{material_services.MAX_FILE_BYTES // (1024 * 1024)} MB.")
    access_level = forms.ChoiceField(
        label="Who may open it", required=False,
        choices=[("", "The default: government members for recordings and other files, "
                      "everyone for slides")] + [
            (value, label) for value, label in Material._meta.get_field("access_level").choices
        ])

    def clean(self):
        data = super().clean()
        if bool(data.get("url")) == bool(data.get("file")):
            raise ValidationError("Give either a link or a file.")
        if data.get("file"):
            try:
                material_services.material_file_check(data["file"])
            except ValidationError as exc:
                self.add_error("file", exc)
        return data


SCORE_CHOICES = [(5, "5 – Very satisfied"), (4, "4 – Satisfied"), (3, "3 – Neutral"),
                 (2, "2 – Dissatisfied"), (1, "1 – Very dissatisfied")]
USEFULNESS_CHOICES = [(5, "5 – Very useful"), (4, "4 – Useful"), (3, "3 – Somewhat useful"),
                      (2, "2 – Not very useful"), (1, "1 – Not useful at all")]


class FeedbackForm(Form):
    satisfaction = forms.TypedChoiceField(
        label="Overall, how satisfied were you with the event?", coerce=int,
        choices=SCORE_CHOICES, widget=forms.RadioSelect)
    usefulness = forms.TypedChoiceField(
        label="How useful was it for your work?", coerce=int, choices=USEFULNESS_CHOICES,
        widget=forms.RadioSelect)
    would_recommend = forms.TypedChoiceField(
        label="Would you recommend it to a colleague?", widget=forms.RadioSelect,
        choices=[("yes", "Yes"), ("no", "No")], coerce=lambda value: value == "yes")
    comment = forms.CharField(label="Anything else you want to tell the organizers?",
                              required=False, max_length=5000, widget=forms.Textarea,
                              help_text="Optional. Organizers read comments without names.")


class FiscalYearForm(Form):
    fy = forms.IntegerField(label="Fiscal year", min_value=2000, max_value=2100,
                            help_text="Federal fiscal year: FY2023 ran from October 1, 2022 "
                                      "to September 30, 2023.")
