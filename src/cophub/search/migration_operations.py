"""A migration operation for SQL that only one database engine understands."""

from django.db import migrations


class VendorRunSQL(migrations.RunSQL):
    """`RunSQL` that runs only on `vendor` ("sqlite", "postgresql") and is a no-op on the
    others, so one migration serves both engines (FTS5 on SQLite, a GIN index on
    PostgreSQL)."""

    def __init__(self, vendor: str, sql, reverse_sql=None, **kwargs):
        self.vendor = vendor
        super().__init__(sql, reverse_sql, **kwargs)

    def deconstruct(self):
        name, args, kwargs = super().deconstruct()
        kwargs["vendor"] = self.vendor
        return name, args, kwargs

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Raw SQL for {self.vendor}"
