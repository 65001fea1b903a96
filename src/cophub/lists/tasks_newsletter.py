"""See tasks.py."""
