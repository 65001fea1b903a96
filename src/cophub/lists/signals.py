"""Signals other apps may receive. Sent inside the transaction that makes the change, so a
receiver's writes commit or roll back with it (the forum keeps its topics this way)."""

from django.dispatch import Signal

post_published = Signal()
"""A post became published (written, received or approved): `post=`. Sent once per post."""

post_edited = Signal()
"""A published post's text changed (`post_edit`): `post=`."""

post_hidden = Signal()
"""A post was hidden or published again after being hidden (`post_hide`, `post_restore`):
`post=` (its status says which)."""
