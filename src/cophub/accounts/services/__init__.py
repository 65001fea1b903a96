"""Writes about people: tier, the addresses it rests on and their yearly check, profile,
domain lists, export and deletion. One module per noun; this is the public surface."""

from .address_checks import (
    ADDRESS_CHECK_BATCH,
    AddressChecksReport,
    AddressConfirmError,
    address_check_restart,
    address_checks_run,
    address_confirm_link_send,
    address_reconfirm,
)
from .domain_rules import DomainRuleError, domain_rule_delete, domain_rule_save
from .people import (
    BEFORE_DELETE,
    EXPORT_SECTIONS,
    PROFILE_FIELDS,
    account_delete,
    account_export,
    profile_update,
)
from .tiers import (
    address_lapse,
    address_lapse_lift,
    user_tier_refresh,
    users_tier_refresh_for_domain,
)

__all__ = [
    "ADDRESS_CHECK_BATCH", "BEFORE_DELETE", "EXPORT_SECTIONS", "PROFILE_FIELDS",
    "AddressChecksReport", "AddressConfirmError", "DomainRuleError", "account_delete",
    "account_export", "address_check_restart", "address_checks_run",
    "address_confirm_link_send", "address_lapse", "address_lapse_lift", "address_reconfirm",
    "domain_rule_delete", "domain_rule_save", "profile_update", "user_tier_refresh",
    "users_tier_refresh_for_domain",
]
