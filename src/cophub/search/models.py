"""The search index: one `SearchDocument` per searchable object, the words of the visible
documents (`SearchTerm`, for spelling suggestions and term statistics), and a log of index
versions (`SearchIndexChange`) that lets each process keep its in-memory copy current.

The full-text index itself is the engine's: on SQLite the FTS5 table `search_fts` (made by
migration 0001); on PostgreSQL `SearchTextVector` with a GIN index, and `SearchLexeme`, how
many documents hold each stemmed word. Both PostgreSQL tables stay empty on SQLite.

Only `services.search_index_update` and `search_index_rebuild` write these tables
(`services.search_vectors_fill` through `search_index_update`, and its own lease row).
"""

from django.db import models


class TsVectorField(models.Field):
    """PostgreSQL's `tsvector`; plain text elsewhere (where nothing writes it)."""

    description = "Full-text search vector"

    def db_type(self, connection):
        return "tsvector" if connection.vendor == "postgresql" else "text"


class SearchDocument(models.Model):
    type_name = models.CharField(max_length=40)
    object_id = models.BigIntegerField()
    title = models.CharField(max_length=500)
    body = models.TextField(blank=True)
    url = models.CharField(max_length=500)
    # The object's access fields, checked with `core.access` exactly as its own pages do.
    # Plain integers, not foreign keys: the index follows the objects through their own
    # save and delete signals, never through cascades of its own.
    access_level = models.CharField(max_length=12)
    community_id = models.BigIntegerField(null=True, blank=True)
    group_id = models.BigIntegerField(null=True, blank=True)
    facets = models.JSONField(default=dict, blank=True)
    date = models.DateField(null=True, blank=True)
    extra = models.JSONField(default=dict, blank=True)
    # sha256 of the embedding model's key and the text embedded: equal hashes share a vector.
    content_hash = models.CharField(max_length=64, blank=True, db_index=True)
    embedding = models.BinaryField(null=True, blank=True)  # float32, L2-normalised
    embedding_model = models.CharField(max_length=200, blank=True)
    # The index version that last wrote this row (see SearchIndexChange). A removed object
    # keeps its row, emptied and marked `removed`, so that processes holding the index in
    # memory learn of the removal; `search-rebuild` purges those rows.
    seq = models.BigIntegerField(db_index=True)
    removed = models.BooleanField(default=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["type_name", "object_id"],
                                               name="one_search_document_per_object")]

    def __str__(self) -> str:
        return f"{self.type_name} {self.object_id}: {self.title}"


class SearchTextVector(models.Model):
    """PostgreSQL: a document's words (title weighted A, body B), written by the indexer,
    not a trigger. A narrow table of its own, so matching reads only the words, not the
    documents' bodies and vectors."""

    document = models.OneToOneField(SearchDocument, primary_key=True,
                                    on_delete=models.CASCADE, related_name="+")
    vector = TsVectorField()

    def __str__(self) -> str:
        return f"words of {self.document_id}"


class SearchLexeme(models.Model):
    """PostgreSQL: how many documents hold each stemmed word (any access level): what
    ranking a word costs, and its rarity for ranking. Counted by the indexer."""

    lexeme = models.CharField(max_length=255, unique=True)
    df = models.IntegerField(default=0)

    def __str__(self) -> str:
        return self.lexeme


class SearchTerm(models.Model):
    """How many indexed documents of each audience contain a word (lower-cased, as written,
    not stemmed). Spelling suggestions come only from the audiences a person belongs to, so
    a word that appears only in government-only, group-only or organizer-only documents is
    never suggested to someone who may not see them."""

    term = models.CharField(max_length=40, unique=True)
    df_public = models.IntegerField(default=0)
    df_signed_in = models.IntegerField(default=0)
    df_government = models.IntegerField(default=0)
    df_other = models.IntegerField(default=0)  # group members and organizers only

    def __str__(self) -> str:
        return self.term


class SearchIndexChange(models.Model):
    """One row per committed index write; its id is the index version. A process compares
    its version and token with the newest row (one query per search) and loads only the
    documents written since. A token that no longer matches (a purge, or a write that was
    rolled back) makes the process reload everything."""

    token = models.CharField(max_length=32)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"search index version {self.pk}"


class SearchVectorFill(models.Model):
    """Who is giving vectors to the documents that lack one (one row): a lease, renewed
    before every batch, so that however many workers there are one chain of fill tasks
    embeds at a time and no text is embedded twice. A lease that was not renewed (a killed
    worker) expires, and the next fill takes over where that one stopped."""

    holder = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"vector fill held by {self.holder or 'nobody'} until {self.lease_until}"
