"""Newsletters: issues written in Markdown with blocks filled from the system
(`blocks`), rendered once for every recipient of the chosen lists, and sent with one copy
per person however many of the lists they are on (`services`, `sending`). Reads with
visibility rules live in `selectors`."""
