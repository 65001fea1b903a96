"""Survey pages: `manage` (the organizers' list, create, settings, publish, close, remind),
`builder` (sections and questions), `respond` (answering, by personal link or signed in),
`results` (charts with tables, breakdowns, free text, CSV). `common` holds the loaders."""
