"""The knowledge journeys: the library, the AI use case inventory and search, as a visitor,
a public participant and a government member would take them."""

import io
import re
from datetime import date
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from reportlab.pdfgen import canvas

from cophub.library.services import resource_create
from cophub.usecases.importing import inventory_import
from cophub.usecases.tests.conftest import csv_text, use_case_row

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _pdf(text: str) -> bytes:
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.drawString(72, 720, text)
    pdf.save()
    return buffer.getvalue()


@pytest.fixture
def knowledge(tmp_path, community, organizer):
    """Three use cases (indexed for search) and two library resources: a public playbook
    and a government-only recording with a PDF."""
    rows = [
        use_case_row("VA", "VA-1", "Handwritten claim form digitization",
                     development_stage="Deployed", topic_area="Benefits Processing",
                     problem_solved="Optical character recognition reads handwritten "
                                    "benefits forms so claims are processed faster."),
        use_case_row("DOE", "DOE-1", "Grid load forecasting", development_stage="Pilot",
                     topic_area="Energy and Environment",
                     problem_solved="Forecast electricity grid load with machine learning."),
        use_case_row("NASA", "NASA-7", "Wildfire smoke detection",
                     development_stage="Pre-deployment", topic_area="Energy and Environment",
                     problem_solved="Detect wildfire smoke in satellite images."),
    ]
    path = Path(tmp_path) / "2025_use_cases.csv"
    path.write_text(csv_text(rows), encoding="utf-8-sig")
    inventory_import(source=str(path), year=2025)

    common = {"summary": "", "authors": "AI CoP", "group": None, "practice_areas": [],
              "source_event": None, "published_on": date(2024, 3, 1)}
    public = resource_create(community=community, actor=organizer, data={
        **common, "kind": "playbook", "title": "Document digitization playbook",
        "summary": "How agencies turn **paper forms** into data.",
        "url": "https://www.example.gov/playbook", "access_level": "public"})
    secret = resource_create(
        community=community, actor=organizer,
        upload=SimpleUploadedFile("briefing.pdf", _pdf("Briefing"), "application/pdf"),
        data={**common, "kind": "recording", "title": "Digitization briefing for agencies",
              "summary": "Government-only recording about paper forms.", "url": "",
              "access_level": "government"})
    return {"public": public, "secret": secret}


def test_visitor_finds_use_cases_and_public_resources_but_nothing_restricted(
        page, assert_accessible, knowledge):
    page.goto("/")
    page.get_by_role("search", name="Site search").get_by_role("searchbox").fill(
        "digitization")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/search/\?q=digitization"))
    main = page.locator("main")
    assert main.get_by_role("link", name="Document digitization playbook").is_visible()
    assert main.get_by_role("link", name="Handwritten claim form digitization").is_visible()
    assert "Digitization briefing" not in page.content()
    assert_accessible(page, "search-visitor")

    # The government-only resource is not there for a visitor, by any address
    response = page.goto(knowledge["secret"].get_absolute_url())
    assert response.status == 404
    assert "Digitization briefing" not in page.content()

    # The library lists the public playbook only
    page.goto("/library/")
    assert page.locator("main").get_by_role(
        "link", name="Document digitization playbook").is_visible()
    assert "Digitization briefing" not in page.content()
    assert_accessible(page, "library")
    page.locator("main").get_by_role("link", name="Document digitization playbook").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name="Document digitization playbook").is_visible()
    assert_accessible(page, "resource")


def test_visitor_filters_the_inventory_and_opens_a_use_case(page, assert_accessible,
                                                           knowledge):
    page.goto("/use-cases/")
    assert_accessible(page, "use-cases")
    # USWDS draws its own checkbox over the input: a person clicks the label
    page.locator("label.usa-checkbox__label", has_text="Energy and Environment").click()
    assert page.get_by_label(re.compile(r"^Energy and Environment")).is_checked()
    page.locator("form[aria-label='Filter AI use cases']").get_by_role(
        "button", name=re.compile("apply|filter|show", re.I)).first.click()
    page.wait_for_load_state("load")
    main = page.locator("main")
    assert main.get_by_role("link", name="Grid load forecasting").is_visible()
    assert main.get_by_role("link", name="Handwritten claim form digitization").count() == 0
    assert_accessible(page, "use-cases-filtered")

    main.get_by_role("link", name="Grid load forecasting").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1, name="Grid load forecasting").is_visible()
    assert page.get_by_text("Forecast electricity grid load").is_visible()
    assert_accessible(page, "use-case")

    page.goto("/use-cases/statistics/")
    assert page.locator("main table").count() >= 3
    assert_accessible(page, "use-case-statistics")


def test_government_member_finds_and_opens_the_government_only_recording(
        page, assert_accessible, sign_in, gov_member, knowledge):
    sign_in(page, gov_member.email)
    page.goto("/search/?q=digitization")
    main = page.locator("main")
    main.get_by_role("link", name="Digitization briefing for agencies").click()
    page.wait_for_load_state("load")
    assert page.get_by_role("heading", level=1,
                            name="Digitization briefing for agencies").is_visible()
    assert_accessible(page, "government-resource")

    # The file is served through the access check, as a PDF
    file_url = knowledge["secret"].get_absolute_url()
    response = page.request.get(re.sub(r"/\d+-[\w-]+/$", f"/{knowledge['secret'].pk}/file/",
                                       file_url))
    assert response.status == 200
    assert response.headers["content-type"].startswith("application/pdf")
    assert response.body().startswith(b"%PDF")
    assert response.headers["content-security-policy"] == "sandbox"
    # ... and a click opens it in the tab (Chromium's viewer works under that policy)
    response = page.goto(response.url)
    assert response.status == 200


def test_public_participant_never_gets_the_government_only_recording(
        page, assert_accessible, sign_in, public_user, knowledge):
    sign_in(page, public_user.email)
    page.goto("/search/?q=briefing")
    assert "Digitization briefing" not in page.content()
    assert_accessible(page, "search-public-participant")
    response = page.goto(knowledge["secret"].get_absolute_url())
    assert response.status == 404
    response = page.request.get(f"/library/{knowledge['secret'].community.slug}/"
                                f"{knowledge['secret'].pk}/file/")
    assert response.status == 404
