"""The periodic jobs of accounts (the scheduler finds them here). Thin: each calls one
service."""

from datetime import timedelta

from cophub.core.scheduler import periodic

from .services import address_checks_run


@periodic("accounts.address_checks_run", every=timedelta(days=1))
def address_checks_run_job() -> dict:
    """The yearly check of qualifying addresses: ask those due, lapse those not confirmed
    in time (`services.address_checks_run`, a bounded batch per run)."""
    report = address_checks_run()
    return {"started": report.started, "asked": report.asked, "lapsed": report.lapsed}
