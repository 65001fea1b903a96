"""A government member finds colleagues in the directory by level of government."""

import pytest

from cophub.accounts.services import profile_update

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_government_member_filters_the_directory_by_level_of_government(
        page, assert_accessible, sign_in, gov_member, make_user):
    for email, name, organization, level in [
        ("sam.state@cdt.ca.gov", "Sam State", "California Department of Technology", "state"),
        ("fran.federal@gsa.gov", "Fran Federal", "General Services Administration", "federal"),
        ("cory.county@kingcounty.gov", "Cory County", "King County", "county"),
    ]:
        person = make_user(email, name=name)
        profile_update(user=person, data={"organization": organization, "level": level})
    make_user("pat@example.com", name="Pat Public")  # never listed: not a government member

    sign_in(page, gov_member.email)
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Member directory").click()
    page.wait_for_url("**/directory/")
    assert_accessible(page)
    table = page.get_by_role("table")
    for name in ("Sam State", "Fran Federal", "Cory County", "Mia Member"):
        assert table.get_by_role("rowheader", name=name).is_visible()
    assert table.get_by_text("Pat Public").count() == 0

    page.get_by_label("Level of government").select_option(label="State or territory")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url("**/directory/?*level=state*")

    assert page.get_by_role("status").get_by_text("1 member", exact=True).is_visible()
    assert table.get_by_role("rowheader", name="Sam State").is_visible()
    row = page.get_by_role("row").filter(has_text="Sam State")
    assert row.get_by_role("cell", name="California Department of Technology").is_visible()
    for name in ("Fran Federal", "Cory County", "Mia Member"):
        assert table.get_by_text(name).count() == 0
    assert page.get_by_label("Level of government").input_value() == "state"
    assert_accessible(page, "directory-filtered")
