"""Newsletters, a complete sub-feature: issues written in Markdown with blocks filled from
the system (`blocks`), rendered once for every recipient of the chosen lists (`services`),
and sent with one copy per person however many of the lists they are on (`sending`, with
its task). Reads with visibility rules in `selectors`; pages in `views`, `forms` and `urls`
(namespace `newsletters`); the minute job in `tasks`."""
