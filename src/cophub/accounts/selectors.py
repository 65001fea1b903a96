"""Reads about people, with their visibility rules."""

from django.db.models import Q, QuerySet

from .models import Tier, User


def directory_members(*, q: str = "", organization: str = "", level: str = "",
                      interest=None) -> QuerySet[User]:
    """Government members who chose to be listed. Only government members may call this on
    behalf of a viewer (the view checks); public participants never see the directory."""
    qs = User.objects.filter(tier=Tier.GOVERNMENT, in_directory=True, is_active=True)
    if q:
        qs = qs.filter(Q(name__icontains=q) | Q(organization__icontains=q)
                       | Q(job_role__icontains=q))
    if organization:
        qs = qs.filter(organization__icontains=organization)
    if level:
        qs = qs.filter(level=level)
    if interest is not None:
        qs = qs.filter(interests=interest)
    return qs.order_by("name", "id").prefetch_related("interests")
