"""The events pages, by audience: `public` (list, detail, registration), `manage` (create,
edit, registrants), `attendance`, `materials`, `feedback` (after the event), `reports` (the
fiscal-year report), `feeds` (calendar files and feeds); `base` holds what they share (the
event loader and the `event_manage_page` gate). URLs: `events/urls.py`."""
