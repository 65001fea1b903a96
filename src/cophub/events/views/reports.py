"""The fiscal-year report of a community's events, as a page and as CSV. About the whole
community, so for its organizers only (`organizer_page`), not for group leads."""

import csv

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from cophub.communities.decorators import organizer_page
from cophub.core.csv_export import csv_safe

from ..forms import FiscalYearForm
from ..reports import fiscal_year_of, fy_report
from .base import TEMPLATES


def _fiscal_year(request) -> tuple[FiscalYearForm, int | None]:
    current = fiscal_year_of(timezone.now())
    form = FiscalYearForm(request.GET if "fy" in request.GET else None,
                          initial={"fy": current})
    if not form.is_bound:
        return form, current
    return form, form.cleaned_data["fy"] if form.is_valid() else None


@organizer_page
def fy_report_view(request, community):
    form, fy = _fiscal_year(request)
    return render(request, TEMPLATES + "fy_report.html", {
        "community": community, "form": form, "fy": fy,
        "report": fy_report(community=community, fy=fy) if fy else None,
    }, status=200 if fy else 400)


@organizer_page
def fy_report_csv_view(request, community):
    form, fy = _fiscal_year(request)
    if fy is None:
        return HttpResponse("Give a fiscal year between 2000 and 2100, such as ?fy=2023.\n",
                            status=400, content_type="text/plain; charset=utf-8")
    report = fy_report(community=community, fy=fy)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="{community.slug}-events-fy{fy}.csv"')
    writer = csv.writer(response)
    writer.writerow(["fiscal_year", "breakdown", "label", "events", "registrations",
                     "confirmed_registrations", "attended_registrants", "attendance_rate",
                     "attendances", "unique_attendees", "feedback_responses",
                     "average_satisfaction"])
    sections = [("total", [report.total]), ("kind", report.by_kind),
                ("host_group", report.by_group)]
    for breakdown, rows in sections:
        for row in rows:
            rate, satisfaction = row.attendance_rate, row.average_satisfaction
            writer.writerow([
                # Group names are typed by people: no cell may start like a formula.
                f"FY{fy}", breakdown, csv_safe(row.label), row.events, row.registrations,
                row.confirmed, row.attended_registrants,
                "" if rate is None else f"{rate:.3f}", row.attendances, row.unique_attendees,
                row.responses, "" if satisfaction is None else f"{satisfaction:.2f}"])
    return response
