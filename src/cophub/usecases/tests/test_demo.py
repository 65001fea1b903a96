"""The inventory part of `cophub demo`."""

import io

import pytest

from cophub.usecases import demo
from cophub.usecases.models import UseCase, UseCaseContact

from .conftest import use_case_row

pytestmark = pytest.mark.django_db


@pytest.fixture
def context():
    return {"out": io.StringIO(), "seed": 2020}


def test_the_demo_imports_the_inventory_and_lists_contacts(settings, write_csv, registry,
                                                           make_user, context):
    settings.COPHUB_SEARCH_EMBEDDINGS = "hashing"
    settings.COPHUB_USECASES_CSV = write_csv(
        [use_case_row("VA", "VA-1", "Clinical notes"), use_case_row("DOE", "DOE-1", "Grid"),
         use_case_row("NIGC", "NIGC-1", "Gaming")], name="2025_inventory.csv")
    member = make_user("member@va.gov", name="Mia Member")
    others = [make_user(f"person{i}@va.gov") for i in range(3)]
    energy = make_user("e@energy.gov")
    make_user("pat@example.com")
    demo.build(context=context)
    assert UseCase.objects.count() == 3
    contacts = set(UseCaseContact.objects.values_list("user__email", "agency__abbreviation"))
    assert contacts == {(member.email, "VA"), (others[0].email, "VA"), (energy.email, "DOE")}
    assert "Loaded the 2025 AI use case inventory: 3 use cases" in context["out"].getvalue()


def test_the_demo_skips_the_inventory_when_the_file_is_missing(settings, tmp_path, context):
    settings.COPHUB_USECASES_CSV = str(tmp_path / "missing.csv")
    demo.build(context=context)
    assert not UseCase.objects.exists()
    assert "the demo has no use cases" in context["out"].getvalue()


def test_the_demo_reports_a_broken_inventory_and_goes_on(settings, write_csv, context):
    settings.COPHUB_USECASES_CSV = write_csv(text="just,a,header\r\n")
    demo.build(context=context)
    assert "was not loaded" in context["out"].getvalue() and not UseCase.objects.exists()
