"""Import OMB's consolidated AI use case inventory (the individually reported use cases CSV).

What an import guarantees:
- **Structural errors refuse the whole file and change nothing**: a source that cannot be
  read, is not UTF-8, lacks one of OMB's 36 columns (the message names the missing ones),
  repeats a column, or has no data rows raises `InventoryImportError`.
- **Row errors skip the row and report it** with its line and the reason (a wrong number of
  values, no agency, an id or field that is too long, a NUL character); the other rows load.
- **Idempotent upsert** by (inventory year, key). The key is "<agency>:<id>" when OMB's id is
  present and unique within the agency in this file, else "<agency>:row-<source_row>": OMB's
  ids are blank for about 700 rows of the 2025 file and repeated for a few others, and
  such rows are neither merged nor dropped (all 3,611 rows load as 3,611 use cases).
- A newer file of the same year updates the rows that changed and reports which columns
  changed. Rows keyed by row number are first matched by content (same agency, name and
  bureau, unambiguous on both sides), so a row that merely moved keeps its page (and is
  reported as moved) instead of every later row being rewritten with its neighbour's data.
- Use cases of the year that are not in the file are removed, unless some rows could not be
  read: then they are kept (a broken row must not delete its use case), except those whose
  key now belongs to another row.
- Bulk writes in batches with one query to load the existing rows, not a query per row;
  then one call to the search app's `search_index_update` with every changed id.

The trade-off of row keys: a row's number is not an identity. Blank ids (704 rows in 2025),
ids repeated within an agency and ids that look like `row-N` are keyed by row; ids repeated
across agencies do not clash, since the agency is part of the key. Two rows without ids with
the same agency, name and bureau cannot be told apart and fall back to their row numbers; a
use case that gains an id is matched by content and re-keyed. `source_row` is the 0-based
data row (blank lines not counted; unreadable rows still count, so later rows keep their
numbers).

Layout: `reading` (the source, its encoding and header, the rows), `rows` (the checks of one
row, the key rule), `matching` (file rows to stored use cases), `facets` (typed columns and
facet values), `inventory` (the import), `report` (what it reports).
"""

from .facets import facet_values
from .inventory import inventory_import
from .reading import year_from_name
from .report import ImportReport, InventoryImportError

__all__ = ["ImportReport", "InventoryImportError", "facet_values", "inventory_import",
           "year_from_name"]
