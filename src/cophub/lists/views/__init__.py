"""The pages of `lists` (URLs in `lists/urls.py`): `public` (the index, a list's page,
subscribing, confirmations, one-click unsubscribe, the archive), `owner` (compose,
moderation, subscribers, bounces) and `settings` (starting a list, its settings)."""
