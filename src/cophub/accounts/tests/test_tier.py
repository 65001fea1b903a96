"""The government tier comes only from verified addresses at qualifying domains."""

import pytest
from allauth.account.models import EmailAddress

from cophub.accounts.models import DomainRule, RegistryDomain, Tier
from cophub.accounts.services import domain_rule_delete, domain_rule_save, user_tier_refresh

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("email", [
    "jane@x.gov.evil.com", "jane@gov.example.com", "jane@nih.gov.evil.com",
    "jane@nih.gоv",  # Cyrillic о
    "jane@xn--nih-gov-9ve.com", "nih.gov+jane@evil.com", "jane+nih.gov@evil.com",
    "jane@evilgov", "jane@b.gov.",
])
def test_lookalike_and_trick_addresses_never_grant_government_tier(make_user, email):
    user = make_user(email)
    assert user.tier == Tier.PUBLIC


def test_verified_gov_address_grants_government_tier_and_fills_organization(make_user):
    RegistryDomain.objects.create(domain="nih.gov", domain_type="Federal - Executive",
                                  level="federal", organization="National Institutes of Health")
    user = make_user("jane@cc.nih.gov")
    assert user.tier == Tier.GOVERNMENT
    assert user.tier_domain == "cc.nih.gov"
    assert user.organization == "National Institutes of Health"
    assert user.level == "federal"


def test_mil_address_is_military(make_user):
    user = make_user("sam@army.mil")
    assert (user.tier, user.level) == (Tier.GOVERNMENT, "military")


def test_unverified_gov_address_does_not_count(make_user):
    user = make_user("jane@gsa.gov", verified=False)
    assert user.tier == Tier.PUBLIC


def test_tier_drops_when_the_qualifying_address_is_removed(make_user):
    user = make_user("pat@example.com")
    gov = EmailAddress.objects.create(user=user, email="pat@gsa.gov", verified=True)
    assert user_tier_refresh(user=user) is True
    assert user.tier == Tier.GOVERNMENT
    gov.delete()
    user_tier_refresh(user=user)
    user.refresh_from_db()
    assert user.tier == Tier.PUBLIC and user.tier_domain == ""


def test_operator_allow_rule_grants_and_its_removal_revokes(make_user):
    operator = make_user("op@gsa.gov", staff=True)
    partner = make_user("ann@lab.partner.org")
    assert partner.tier == Tier.PUBLIC
    rule = domain_rule_save(actor=operator, domain="partner.org", kind=DomainRule.Kind.ALLOW,
                            organization="Partner Lab")
    partner.refresh_from_db()
    assert partner.tier == Tier.GOVERNMENT
    domain_rule_delete(actor=operator, rule=rule)
    partner.refresh_from_db()
    assert partner.tier == Tier.PUBLIC


def test_operator_deny_rule_wins_over_gov(make_user):
    operator = make_user("op@gsa.gov", staff=True)
    user = make_user("someone@compromised.gov")
    assert user.tier == Tier.GOVERNMENT
    domain_rule_save(actor=operator, domain="compromised.gov", kind=DomainRule.Kind.DENY)
    user.refresh_from_db()
    assert user.tier == Tier.PUBLIC


@pytest.mark.parametrize("domain", ["", "com", "bad domain.org", "exämple.org", "a..b.org"])
def test_bad_domain_rule_is_refused_and_changes_nothing(make_user, domain):
    from cophub.accounts.services import DomainRuleError

    operator = make_user("op@gsa.gov", staff=True)
    with pytest.raises(DomainRuleError):
        domain_rule_save(actor=operator, domain=domain, kind=DomainRule.Kind.ALLOW)
    assert not DomainRule.objects.exists()
