"""The operator's domain rules (allow or deny a domain for the government tier)."""

from django.db import transaction

from cophub.core.audit import audit_record

from ..domains import address_domain
from ..models import DomainRule, User
from .tiers import users_tier_refresh_for_domain


class DomainRuleError(ValueError):
    pass


@transaction.atomic
def domain_rule_save(*, actor: User, domain: str, kind: str, organization: str = "",
                     level: str = "", note: str = "", request=None) -> DomainRule:
    """Create or replace the operator's rule for `domain`; refreshes affected tiers."""
    normalised = address_domain(f"rule@{domain.strip()}")
    if normalised is None:
        raise DomainRuleError("Enter a domain name such as partner.org, in ASCII letters.")
    if kind not in DomainRule.Kind.values:
        raise DomainRuleError("Choose allow or deny.")
    rule, _ = DomainRule.objects.update_or_create(
        domain=normalised,
        defaults={"kind": kind, "organization": organization, "level": level, "note": note},
    )
    audit_record(actor=actor, verb="accounts.domain_rule.saved", obj=rule, request=request,
                 data={"domain": normalised, "kind": kind})
    users_tier_refresh_for_domain(domain=normalised)
    return rule


@transaction.atomic
def domain_rule_delete(*, actor: User, rule: DomainRule, request=None) -> None:
    domain = rule.domain
    audit_record(actor=actor, verb="accounts.domain_rule.deleted", obj=rule, request=request,
                 data={"domain": domain, "kind": rule.kind})
    rule.delete()
    users_tier_refresh_for_domain(domain=domain)
