"""One message to many recipients: the shared `MailContent` and one small `OutgoingMail` row
per recipient, written fast and sent by the drain (drain.py). See ADR 0006."""

from django.db import connections, transaction
from django.utils import timezone

from cophub.core.mail.drain import outbox_drain_enqueue
from cophub.core.mail.gates import gate_fields
from cophub.core.mail.rules import (
    headers_check,
    message_id_domain,
    message_id_new,
    one_line_check,
)
from cophub.core.models import MailContent, OutgoingMail

Status = OutgoingMail.Status


def mail_content_create(
    *,
    from_email: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    headers: dict[str, str] | None = None,
    message_id: str = "",
    raw_mime: str = "",
) -> MailContent:
    """Store what many copies share (see `mail_enqueue_many`). `message_id` (with <>), if
    given, is the Message-ID of every copy; `raw_mime` replaces the bodies with a complete
    MIME entity (a digest). Raises like `mail_enqueue` for multi-line subjects and headers."""
    headers = dict(headers or {})
    one_line_check(subject, "subject")
    headers_check(headers)
    return MailContent.objects.create(
        from_email=from_email, subject=subject, body_text=body_text, body_html=body_html,
        headers=headers, message_id=message_id, raw_mime=raw_mime,
    )


def mail_enqueue_many(*, content: MailContent, recipients: list[tuple]) -> int:
    """Store one copy of `content` per recipient: `(to, headers, envelope_from)` or
    `(to, headers, envelope_from, gate)`, where `headers` add to (or replace) the content's,
    `envelope_from` is the SMTP return path ("" for the From address) and `gate`, a
    `(name, object_id)` or None, makes the drain ask that gate right before the send whether
    the recipient may still see what the copy carries (gates.py). Rows are written in the
    caller's transaction; when it commits ONE `outbox_drain_task` is enqueued, which sends
    them in batches over reused SMTP connections (see drain.py). Addresses are not validated
    one by one here: callers pass addresses that were validated when they were stored
    (subscribers). Headers are checked like `mail_enqueue`'s. Returns how many rows."""
    now = timezone.now()
    domain = message_id_domain(content.from_email)
    connection = connections[OutgoingMail.objects.db]
    prep = {name: field.get_db_prep_save(value, connection) for name, field, value in (
        (name, OutgoingMail._meta.get_field(name), value) for name, value in (
            ("created_at", now), ("next_attempt_at", now), ("status", Status.QUEUED),
            ("from_email", content.from_email), ("attachments", []))
    )}
    headers_field = OutgoingMail._meta.get_field("headers")
    rows = []
    for to, headers, envelope_from, *gate in recipients:
        headers_check(headers)
        gate_name, gate_object_id = gate_fields(gate[0] if gate else None)
        rows.append((prep["created_at"], prep["status"], to, prep["from_email"], "", "", "",
                     headers_field.get_db_prep_save(headers, connection), prep["attachments"],
                     message_id_new(domain), "", 0, prep["next_attempt_at"], content.pk,
                     envelope_from, "", "", gate_name, gate_object_id))
    if rows:
        _bulk_insert(connection, rows)
        transaction.on_commit(outbox_drain_enqueue, robust=True)
    return len(rows)


_BULK_COLUMNS = ("created_at", "status", "to", "from_email", "subject", "body_text",
                 "body_html", "headers", "attachments", "message_id", "template", "attempts",
                 "next_attempt_at", "content", "envelope_from", "claimed_by", "last_error",
                 "gate", "gate_object_id")


def _bulk_insert(connection, rows: list[tuple]) -> None:
    """Insert outbox rows: PostgreSQL's COPY, elsewhere one parameterised INSERT run with
    executemany. Hand-written because bulk_create builds a model instance and prepares every
    field of every row through the ORM (0.4 ms a row), and even a parameterised executemany
    costs psycopg 0.2 ms a row in parameter handling: a 100,000-recipient fan-out took most
    of a minute. COPY takes the same rows in a few seconds."""
    quote = connection.ops.quote_name
    table = quote(OutgoingMail._meta.db_table)
    columns = ", ".join(quote(OutgoingMail._meta.get_field(name).column)
                        for name in _BULK_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        values = ", ".join(["%s"] * len(_BULK_COLUMNS))
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({values})", rows)
