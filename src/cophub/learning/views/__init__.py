"""The training pages: `public` (series, enrolment, transcripts, certificates, the access
request) and `organize` (the organizers' pages). URLs: `learning/urls.py`."""
