"""Which addresses grant the government tier (`accounts.domains`)."""

import pytest

from cophub.accounts.domains import (
    DomainVerdict,
    address_domain,
    domain_verdict,
    level_for_domain_type,
)
from cophub.accounts.models import DomainRule, Level, RegistryDomain


@pytest.fixture
def nih():
    return RegistryDomain.objects.create(
        domain="nih.gov", domain_type="Federal - Executive", level=Level.FEDERAL,
        organization="Department of Health and Human Services",
        suborganization="National Institutes of Health", city="Bethesda", state="MD",
    )


def rule(domain: str, kind: str, **extra) -> DomainRule:
    return DomainRule.objects.create(domain=domain, kind=kind, **extra)


# --- address_domain: parsing ----------------------------------------------------------------

@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("jane@nih.gov", "nih.gov"),
        ("Jane.Doe@CC.NIH.GOV", "cc.nih.gov"),
        ("jane+tag@nih.gov", "nih.gov"),
        ("o'brien@army.mil", "army.mil"),
        ("a@my-city.gov", "my-city.gov"),
        ("a@" + "x" * 63 + ".gov", "x" * 63 + ".gov"),
        ("a@" + ".".join(["abcdefghi"] * 25) + ".gov", ".".join(["abcdefghi"] * 25) + ".gov"),
        ("a" * 64 + "@nih.gov", "nih.gov"),
    ],
)
def test_usable_address_yields_lower_case_domain(email, domain):
    assert address_domain(email) == domain


@pytest.mark.parametrize(
    "email",
    [
        pytest.param("", id="empty"),
        pytest.param("nih.gov", id="no-at"),
        pytest.param("@nih.gov", id="empty-local-part"),
        pytest.param("jane@", id="empty-domain"),
        pytest.param('"jane"@nih.gov', id="quoted-local-part"),
        pytest.param('"a@nih.gov"@evil.com', id="quoted-address-smuggling"),
        pytest.param('"jane doe"@nih.gov', id="quoted-with-space"),
        pytest.param("jane doe@nih.gov", id="space-in-local"),
        pytest.param(" jane@nih.gov", id="leading-space"),
        pytest.param("jane@nih.gov ", id="trailing-space"),
        pytest.param("jane@nih .gov", id="space-in-domain"),
        pytest.param("jane\t@nih.gov", id="tab"),
        pytest.param("jane\n@nih.gov", id="newline"),
        pytest.param("jane@nih.gov\r\nBcc: x@evil.com", id="header-injection"),
        pytest.param("jane\x00@nih.gov", id="nul"),
        pytest.param("jane\u200b@nih.gov", id="zero-width-space"),
        pytest.param("a@b.gov.", id="trailing-dot"),
        pytest.param("a@nih..gov", id="empty-label"),
        pytest.param("a@.nih.gov", id="leading-dot"),
        pytest.param(".a@nih.gov", id="local-leading-dot"),
        pytest.param("a..b@nih.gov", id="local-double-dot"),
        pytest.param("a@" + "x" * 64 + ".gov", id="label-over-63"),
        pytest.param("a@" + ".".join(["abcdefghi"] * 25) + "x.gov", id="domain-over-253"),
        pytest.param("a" * 65 + "@nih.gov", id="local-over-64"),
        pytest.param("a@nih.g\u043ev", id="cyrillic-o-lookalike"),
        pytest.param("a@n\u0456h.gov", id="cyrillic-i-lookalike"),
        pytest.param("a@\uff4e\uff49\uff48.gov", id="fullwidth"),
        pytest.param("a@\u212aids.gov", id="kelvin-sign-lowercases-to-k"),
        pytest.param("a@nih\uff0egov", id="fullwidth-dot"),
        pytest.param("a@xn--nh-xnb.gov", id="punycode-label"),
        pytest.param("a@mail.XN--NH-XNB.gov", id="punycode-upper-case"),
        pytest.param("a@[127.0.0.1]", id="ip-literal"),
        pytest.param("a@[IPv6:::1]", id="ipv6-literal"),
        pytest.param("a@127.0.0.1", id="bare-ip"),
        pytest.param("a@gov", id="single-label"),
        pytest.param("a@-nih.gov", id="label-leading-hyphen"),
        pytest.param("a@nih-.gov", id="label-trailing-hyphen"),
        pytest.param("a@nih_gov.gov", id="underscore"),
        pytest.param("a@evil.com+@nih.gov", id="second-at"),
        pytest.param("a@evil.com@nih.gov", id="two-ats"),
        pytest.param("a(comment)@nih.gov", id="comment"),
        pytest.param("a@nih.gov(comment)", id="domain-comment"),
        pytest.param("a\\@evil.com@nih.gov", id="escaped-at"),
        pytest.param("<a@nih.gov>", id="angle-brackets"),
        pytest.param("evil@evil.com,a@nih.gov", id="address-list"),
    ],
)
def test_unusable_address_has_no_domain(email):
    assert address_domain(email) is None


def test_non_string_address_has_no_domain():
    assert address_domain(None) is None  # type: ignore[arg-type]


# --- domain_verdict: the tier ---------------------------------------------------------------

@pytest.mark.django_db
@pytest.mark.parametrize(
    "email",
    ["jane@usda.gov", "jane@cc.nih.gov", "Jane@NASA.GOV", "sgt@army.mil", "x@a.b.c.mil"],
)
def test_gov_and_mil_addresses_are_government(email):
    assert domain_verdict(email).is_government


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "domain"),
    [
        ("a@x.gov.evil.com", "x.gov.evil.com"),
        ("a@gov.example.com", "gov.example.com"),
        ("a@nih.gov.evil.com", "nih.gov.evil.com"),
        ("a@evilgov", None),
        ("a@evilgov.com", "evilgov.com"),
        ("a@nihgov.us", "nihgov.us"),
        ("a@mil.evil.com", "mil.evil.com"),
        ("nih.gov+x@evil.com", "evil.com"),
        ("x+nih.gov@evil.com", "evil.com"),
        ("x+@nih.gov@evil.com", None),
        ("a@gov", None),
    ],
)
def test_lookalike_and_smuggled_domains_are_not_government(email, domain):
    verdict = domain_verdict(email)
    assert not verdict.is_government
    assert verdict.domain == (domain or "")


@pytest.mark.django_db
def test_non_government_address_explains_itself():
    assert domain_verdict("jane@example.com") == DomainVerdict(
        domain="example.com", is_government=False, organization="", level="",
        reason="not a .gov or .mil address",
    )


@pytest.mark.django_db
def test_invalid_address_is_not_government_and_costs_no_queries(django_assert_num_queries):
    with django_assert_num_queries(0):
        verdict = domain_verdict('"a@nih.gov"@evil.com')
    assert verdict == DomainVerdict(domain="", is_government=False, organization="", level="",
                                    reason="invalid address")


@pytest.mark.django_db
def test_verdict_for_gov_address_takes_two_queries(nih, django_assert_num_queries):
    with django_assert_num_queries(2):
        domain_verdict("jane@a.b.cc.nih.gov")


@pytest.mark.django_db
def test_verdict_for_other_address_takes_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        domain_verdict("jane@example.com")


@pytest.mark.django_db
def test_deny_rule_on_domain_wins_over_gov_tld(nih):
    rule("nih.gov", DomainRule.Kind.DENY)

    verdict = domain_verdict("jane@nih.gov")

    assert not verdict.is_government
    assert verdict.reason == "denied by operator (nih.gov)"
    assert verdict.organization == ""


@pytest.mark.django_db
def test_deny_rule_on_parent_covers_subdomains():
    rule("contractor.gov", DomainRule.Kind.DENY)

    assert not domain_verdict("jane@mail.contractor.gov").is_government


@pytest.mark.django_db
def test_deny_rule_wins_over_more_specific_allow_rule():
    rule("partner.org", DomainRule.Kind.DENY)
    rule("lab.partner.org", DomainRule.Kind.ALLOW)

    assert not domain_verdict("jane@lab.partner.org").is_government


@pytest.mark.django_db
def test_deny_rule_on_subdomain_leaves_parent_government():
    rule("students.school.gov", DomainRule.Kind.DENY)

    assert not domain_verdict("kid@students.school.gov").is_government
    assert domain_verdict("teacher@school.gov").is_government


@pytest.mark.django_db
def test_allow_rule_grants_tier_to_domain_and_subdomains_with_its_organization():
    rule("mitre.org", DomainRule.Kind.ALLOW, organization="MITRE (FFRDC)", level=Level.OTHER)

    for email in ("jane@mitre.org", "jane@lab.mitre.org"):
        verdict = domain_verdict(email)
        assert verdict.is_government
        assert verdict.organization == "MITRE (FFRDC)"
        assert verdict.level == Level.OTHER
        assert verdict.reason == "allowed by operator (mitre.org)"


@pytest.mark.django_db
def test_allow_rule_does_not_cover_lookalike_sibling():
    rule("mitre.org", DomainRule.Kind.ALLOW)

    assert not domain_verdict("jane@evilmitre.org").is_government
    assert not domain_verdict("jane@mitre.org.evil.com").is_government


@pytest.mark.django_db
def test_most_specific_allow_rule_supplies_organization():
    rule("partner.org", DomainRule.Kind.ALLOW, organization="Partner")
    rule("lab.partner.org", DomainRule.Kind.ALLOW, organization="Partner Lab")

    assert domain_verdict("jane@x.lab.partner.org").organization == "Partner Lab"


@pytest.mark.django_db
def test_allow_rule_on_a_bare_tld_grants_nothing():
    rule("com", DomainRule.Kind.ALLOW)

    assert not domain_verdict("jane@example.com").is_government


@pytest.mark.django_db
def test_allow_rule_fields_fill_in_over_registry_only_when_set(nih):
    rule("nih.gov", DomainRule.Kind.ALLOW, organization="National Institutes of Health")

    verdict = domain_verdict("jane@nih.gov")

    assert verdict.organization == "National Institutes of Health"
    assert verdict.level == Level.FEDERAL  # the rule left level blank


# --- domain_verdict: organization and level -------------------------------------------------

@pytest.mark.django_db
def test_registered_gov_domain_gives_registry_organization_and_level(nih):
    assert domain_verdict("jane@nih.gov") == DomainVerdict(
        domain="nih.gov", is_government=True,
        organization="Department of Health and Human Services", level=Level.FEDERAL,
        reason="registered .gov domain (nih.gov)",
    )


@pytest.mark.django_db
def test_subdomain_walks_up_to_registered_parent(nih):
    verdict = domain_verdict("jane@x.y.nih.gov")

    assert verdict.domain == "x.y.nih.gov"
    assert verdict.organization == "Department of Health and Human Services"
    assert verdict.reason == "registered .gov domain (nih.gov)"


@pytest.mark.django_db
def test_most_specific_registry_row_wins(nih):
    RegistryDomain.objects.create(domain="cc.nih.gov", domain_type="County", level=Level.COUNTY,
                                  organization="Somewhere Specific")

    assert domain_verdict("jane@a.cc.nih.gov").organization == "Somewhere Specific"
    assert domain_verdict("jane@other.nih.gov").organization == (
        "Department of Health and Human Services"
    )


@pytest.mark.django_db
def test_gov_domain_missing_from_registry_is_still_government():
    verdict = domain_verdict("jane@brand-new-agency.gov")

    assert verdict.is_government
    assert (verdict.organization, verdict.level) == ("", "")
    assert verdict.reason == ".gov domain not in the registry (brand-new-agency.gov)"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("email", "organization"),
    [
        ("a@army.mil", "U.S. Army"),
        ("a@us.army.mil", "U.S. Army"),
        ("a@navy.mil", "U.S. Navy"),
        ("a@us.af.mil", "U.S. Air Force"),
        ("a@usmc.mil", "U.S. Marine Corps"),
        ("a@uscg.mil", "U.S. Coast Guard"),
        ("a@spaceforce.mil", "U.S. Space Force"),
        ("a@mail.mil", "U.S. Department of Defense"),
        ("a@disa.mil", "U.S. Department of Defense"),
    ],
)
def test_mil_domain_is_military_with_service_organization(email, organization):
    verdict = domain_verdict(email)

    assert verdict.is_government
    assert verdict.level == Level.MILITARY
    assert verdict.organization == organization


@pytest.mark.django_db
def test_mil_lookups_skip_the_registry(django_assert_num_queries):
    with django_assert_num_queries(1):  # operator rules only
        domain_verdict("a@army.mil")


# --- level_for_domain_type ------------------------------------------------------------------

@pytest.mark.parametrize(
    ("domain_type", "level"),
    [
        ("Federal - Executive", Level.FEDERAL),
        ("Federal - Legislative", Level.FEDERAL),
        ("Federal - Judicial", Level.FEDERAL),
        ("Federal", Level.FEDERAL),
        ("State or territory", Level.STATE),
        ("State or territory - Election", Level.STATE),
        ("County", Level.COUNTY),
        ("County - Election", Level.COUNTY),
        ("City", Level.CITY),
        ("City - Election", Level.CITY),
        ("Tribal", Level.TRIBAL),
        ("Tribal - Election", Level.TRIBAL),
        ("Special district", Level.SPECIAL_DISTRICT),
        ("Special district - Election", Level.SPECIAL_DISTRICT),
        ("School district", Level.SCHOOL_DISTRICT),
        ("Interstate", Level.INTERSTATE),
        ("  city ", Level.CITY),
        ("Independent intrastate", Level.OTHER),
        ("", Level.OTHER),
    ],
)
def test_registry_domain_type_maps_to_level(domain_type, level):
    assert level_for_domain_type(domain_type) == level
