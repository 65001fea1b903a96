"""Next steps for a person who has just joined: complete their profile, join groups, subscribe
to the lists they qualify for. Their profile opens with the steps still to take, and a new
person lands there once their address is confirmed (`adapter.AccountAdapter`).

Groups and lists belong to apps above this one in the layers, which may not be imported
here; so, as link cards (`core.cards`) and search types do, each app registers its own step
in its own `next_steps.py`, found by autodiscovery::

    def subscribe_step(request):                 # request.user, request.viewer
        lists = ...                               # through the app's selectors: the policy
        if not lists:
            return None                           # nothing to do: the step is not shown
        return NextStep(title="Subscribe to lists", text="…", links=(("AI CoP", url), …))

    next_step_register(key="lists.subscribe", order=30, provide=subscribe_step)

A provider answers only for the person making the request, keeps to a query or two, and
returns None once the step is done, so the list shrinks as the person goes.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.http import HttpRequest
from django.urls import reverse
from django.utils.module_loading import autodiscover_modules


@dataclass(frozen=True)
class NextStep:
    """One step: a short title ("Join groups"), a sentence saying why, and links to where
    it is taken, as (label, URL) pairs."""

    title: str
    text: str
    links: tuple[tuple[str, str], ...] = ()


Provider = Callable[[HttpRequest], NextStep | None]


@dataclass(frozen=True)
class _Registered:
    key: str
    order: int
    provide: Provider


_providers: dict[str, _Registered] = {}
_discovered = False


def next_step_register(*, key: str, order: int, provide: Provider) -> Provider:
    """Have `provide(request)` say the step `key` (`"<app>.<step>"`) for the signed-in
    person, shown in `order`; registering a key again replaces the earlier provider."""
    _providers[key] = _Registered(key=key, order=order, provide=provide)
    return provide


def next_steps_for(request: HttpRequest) -> list[NextStep]:
    """The steps the signed-in person still has to take, in order (none for anyone else).
    Imports every installed app's `next_steps` module once per process."""
    global _discovered
    if not _discovered:
        autodiscover_modules("next_steps")
        _discovered = True
    if not request.user.is_authenticated:
        return []
    steps = []
    for registered in sorted(_providers.values(), key=lambda r: (r.order, r.key)):
        step = registered.provide(request)
        if step is not None:
            steps.append(step)
    return steps


def profile_step(request: HttpRequest) -> NextStep | None:
    """Until the person has said where they work, what they do and what they follow."""
    user = request.user
    missing = [what for what, given in (
        ("your organization", user.organization),
        ("your job role", user.job_role),
        ("the topics you follow", user.interests.exists()),
    ) if not given]
    if not missing:
        return None
    what = ", ".join(missing[:-1]) + (" and " if len(missing) > 1 else "") + missing[-1]
    return NextStep(
        title="Complete your profile",
        text=f"Add {what}, so other members know who you are and what you work on.",
        links=(("Fill in your profile", reverse("accounts:profile") + "#profile-form"),),
    )


next_step_register(key="accounts.profile", order=10, provide=profile_step)
