"""The audit log: one row per security-relevant or organizer action."""

from django.db import models

from cophub.core.models import AuditEvent


def client_ip(request) -> str | None:
    # REMOTE_ADDR only: a forwarded-for header is client-controlled unless a trusted proxy
    # rewrites it, and the proxy set-up is the operator's to configure at the server.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def audit_record(*, actor, verb: str, obj: models.Model | None = None, scope: str = "",
                 request=None, data: dict | None = None) -> AuditEvent:
    """Write one audit row. `verb` is `<app>.<noun>.<past tense>`; `scope` is the community
    slug the action belongs to ("" for site-wide actions)."""
    is_person = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_person else None,
        actor_label=(actor.email if is_person else "") or "",
        verb=verb,
        scope=scope,
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_label=str(obj)[:300] if obj is not None else "",
        ip_address=client_ip(request),
        user_agent=(request.META.get("HTTP_USER_AGENT", "")[:300] if request else ""),
        data=data or {},
    )
