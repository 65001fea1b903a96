"""Background work of the events app. The scheduler imports this module at start-up, so the
periodic jobs of every events module are registered by importing them here."""
