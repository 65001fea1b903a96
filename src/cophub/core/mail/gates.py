"""Gates: access decided when a message is sent, not when it was queued (issue 17, 3).

A message that carries access-gated content (an event's join link, its invite, government
items in a digest) is queued with a *gate*: a registered name and an object id. Right before
either sending path hands the row to the mail server — `outgoing_mail_deliver` (outbox.py)
and the bulk drain (drain.py) — `mail_gates_apply` asks the gate whether the recipient may
still see the object. A refused row is never sent: it ends `WITHHELD` with `last_error`
"Withheld: the recipient may no longer see this …", is counted, and the gate's `refused`
callback runs once for it (events cancel the registration, with a notice that carries
nothing gated). Access is decided once, at the send: a row withheld stays withheld if the
person regains access later, and a row queued while they had no access is sent if they have
it again by the time it goes out.

`core` knows no domain app, so apps register their gates, as they register periodic jobs:
in their `gates.py`, found by autodiscovery::

    @gate("events.registration", refused=registrations_access_revoke)
    def registration_gate(items):  # [GateItem(object_id, to), …]
        return {item for item in items if …}  # the items that may be sent

A gate takes a whole batch and returns the items that may go, so the drain asks each gate
once per batch (a fixed number of queries), and rows without a gate cost nothing. A gate
that raises, or an unknown gate name, sends nothing: the rows are retried with back-off
like any failed send and end FAILED after MAX_ATTEMPTS.

Sits just above rules.py in `core.mail`: it imports only models (and Django).
"""

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db import transaction
from django.utils.module_loading import autodiscover_modules

from cophub.core.models import OutgoingMail

logger = logging.getLogger(__name__)

Status = OutgoingMail.Status


class GateItem(NamedTuple):
    object_id: int
    to: str


Check = Callable[[Sequence[GateItem]], Collection[GateItem]]
Refused = Callable[[Sequence[int]], None]


@dataclass(frozen=True)
class Gate:
    name: str
    check: Check  # the items that may be sent, of those given
    refused: Refused | None = None  # told the object ids of rows it withheld, after the fact


registry: dict[str, Gate] = {}
_discovered = False


def gate(name: str, *, refused: Refused | None = None) -> Callable[[Check], Check]:
    """Register the decorated function as the gate `name` (see the module docstring).
    `refused(object_ids)` is called after rows are withheld, outside their transaction;
    it must be idempotent (two rows for one object may be withheld in turn)."""
    def register(check: Check) -> Check:
        registry[name] = Gate(name=name, check=check, refused=refused)
        return check
    return register


def load_gates() -> dict[str, Gate]:
    """Import every installed app's `gates` module (once per process) and return the
    registry."""
    global _discovered
    if not _discovered:
        autodiscover_modules("gates")
        _discovered = True
    return registry


def gate_fields(gate_ref: tuple[str, int] | None) -> tuple[str, int | None]:
    """The row's (`gate`, `gate_object_id`) for `gate_ref` = (name, object id) or None.
    Raises ValueError for a gate no app registered, so a typo fails when the message is
    queued, not in the worker."""
    if gate_ref is None:
        return "", None
    name, object_id = gate_ref
    if name not in load_gates():
        raise ValueError(f"No mail gate is registered as {name!r}.")
    return name, int(object_id)


@dataclass
class GateResult:
    allowed: list[OutgoingMail]  # send these
    withheld: list[OutgoingMail]  # now WITHHELD; never to be sent
    failed: list[tuple[OutgoingMail, Exception]]  # the gate could not answer: retry these


def mail_gates_apply(mails: Sequence[OutgoingMail]) -> GateResult:
    """Ask each gated row's gate, once per gate for the whole batch, whether it may be sent.
    Call with rows this worker has claimed (INFLIGHT), right before sending them. Withheld
    rows are recorded as WITHHELD here and the gates' `refused` callbacks told; rows whose
    gate failed are returned for the caller to record as a failed attempt. No query at all
    when no row has a gate."""
    result = GateResult(allowed=[], withheld=[], failed=[])
    by_gate: dict[str, list[OutgoingMail]] = {}
    for mail in mails:
        if mail.gate:
            by_gate.setdefault(mail.gate, []).append(mail)
        else:
            result.allowed.append(mail)
    if not by_gate:
        return result
    gates = load_gates()
    for name, rows in by_gate.items():
        try:
            registered = gates.get(name)
            if registered is None:
                raise LookupError(f"No mail gate is registered as {name!r}.")
            items = {GateItem(mail.gate_object_id, mail.to) for mail in rows}
            may = set(registered.check(sorted(items)))
        except Exception as exc:  # a gate that cannot answer must not send, nor stop others
            logger.exception("Mail gate %s failed; %s message(s) held back", name, len(rows))
            result.failed += [(mail, exc) for mail in rows]
            continue
        refused = []
        for mail in rows:
            if GateItem(mail.gate_object_id, mail.to) in may:
                result.allowed.append(mail)
            elif _record_withheld(mail):
                result.withheld.append(mail)
                refused.append(mail.gate_object_id)
        if refused and registered.refused is not None:
            try:
                registered.refused(sorted(set(refused)))
            except Exception:  # the mail is withheld either way; the next one asks again
                logger.exception("Mail gate %s: the refusal of %s could not be handled",
                                 name, refused)
    result.allowed.sort(key=lambda mail: mail.pk)
    return result


def _record_withheld(mail: OutgoingMail) -> bool:
    """INFLIGHT (as we claimed it) → WITHHELD. False if the row is no longer ours (the sweep
    took it back), so the refusal is handled by whoever holds it now. One UPDATE a row:
    withheld rows are rare."""
    error = (f"Withheld: the recipient may no longer see this ({mail.gate} "
             f"{mail.gate_object_id}).")
    with transaction.atomic():
        updated = OutgoingMail.objects.filter(
            pk=mail.pk, status=Status.INFLIGHT, attempts=mail.attempts,
        ).update(status=Status.WITHHELD, inflight_since=None, last_error=error)
    if updated:
        logger.info("Mail %s withheld by gate %s (%s)", mail.pk, mail.gate,
                    mail.gate_object_id)
    return bool(updated)
