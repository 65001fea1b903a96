import hashlib
import json
from urllib.parse import urlencode

from allauth.account.models import EmailAddress
from allauth.mfa.utils import is_mfa_enabled
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import F
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods, require_POST

from cophub.core.models import AuditEvent

from . import services
from .decorators import government_required, operator_required
from .forms import AccountDeleteForm, DirectoryFilterForm, DomainRuleForm, ProfileForm
from .models import DomainRule, Interest, User
from .next_steps import next_steps_for
from .selectors import LinkStatus, address_link_read, directory_members

DIRECTORY_PAGE_SIZE = 50
DIRECTORY_CACHE_SECONDS = 60


@login_required
def profile_view(request):
    user = request.user
    if request.method == "POST":
        # The form validates a copy: a ModelForm writes into its instance while cleaning, and
        # the service (which decides what changed and audits it) must see the stored values.
        form = ProfileForm(request.POST, instance=User.objects.get(pk=user.pk))
        if form.is_valid():
            services.profile_update(user=user, data=form.cleaned_data,
                                    interests=form.cleaned_data["interests"], request=request)
            messages.success(request, "Your profile is saved.")
            return redirect("accounts:profile")
    else:
        form = ProfileForm(instance=user, initial={"interests": user.interests.all()})
    return render(request, "accounts/profile.html", {
        "form": form,
        "addresses": EmailAddress.objects.filter(user=user)
        .annotate(lapsed_at=F("qualifying_lapse__lapsed_at")).order_by("-primary", "email"),
        "mfa_enabled": is_mfa_enabled(user),
        "next_steps": next_steps_for(request),
    })


@government_required
def directory_view(request):
    form = DirectoryFilterForm(request.GET or None)
    filters = _directory_filters(form)
    results = _directory_results(
        request, filters=filters, interest=form.cleaned_data["interest"] if filters else None,
        page_number=_page_number(request.GET.get("page")))
    if request.headers.get("HX-Request"):  # htmx: only the results, as the person types
        response = HttpResponse(results)
    else:
        response = render(request, "accounts/directory.html", {"form": form,
                                                               "results": results})
    patch_vary_headers(response, ["HX-Request"])
    return response


def _directory_filters(form: DirectoryFilterForm) -> dict[str, str]:
    """The valid, non-empty filters as query-string values, in the form's field order. The
    cache key and the page links are built from these only, never from the request: the
    cached results are shown to every member, so nothing else one member put in the address
    may reach them."""
    if not form.is_valid():
        return {}
    data = form.cleaned_data
    values = {"q": data["q"], "organization": data["organization"], "level": data["level"],
              "interest": data["interest"].slug if data["interest"] else ""}
    return {name: value for name, value in values.items() if value}


def _page_number(value: str | None) -> int:
    """A page number as the key of a cached page (the paginator still clamps it to the
    pages there are); anything that is not a positive number is the first page."""
    try:
        return max(1, int(value or 1))
    except (TypeError, ValueError):
        return 1


def _directory_results(request, *, filters: dict[str, str], interest: Interest | None,
                       page_number: int) -> str:
    """The rendered results for one set of filters and one page. Every government member
    sees the same results, so they are cached for a short while: the directory is the
    heaviest page a member opens, and a listing a minute old is fine for finding people."""
    key = "accounts:directory:" + hashlib.sha256(json.dumps(
        [filters, page_number], ensure_ascii=True, sort_keys=True).encode()).hexdigest()
    html = cache.get(key)
    if html is None:
        members = directory_members(
            q=filters.get("q", ""), organization=filters.get("organization", ""),
            level=filters.get("level", ""), interest=interest,
        )
        page = Paginator(members, DIRECTORY_PAGE_SIZE).get_page(page_number)
        html = render_to_string("accounts/partials/_directory_results.html",
                                {"page": page, "query": urlencode(filters)}, request=request)
        cache.set(key, str(html), DIRECTORY_CACHE_SECONDS)
    return mark_safe(html)  # noqa: S308 — rendered by our own template above


@login_required
def export_view(request):
    data = services.account_export(user=request.user)
    response = HttpResponse(json.dumps(data, indent=2, ensure_ascii=False),
                            content_type="application/json")
    stamp = timezone.now().strftime("%Y%m%d")
    response["Content-Disposition"] = f'attachment; filename="cophub-account-{stamp}.json"'
    return response


@login_required
def delete_view(request):
    form = AccountDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = request.user
        logout(request)
        services.account_delete(user=user, request=request)
        messages.success(request, "Your account has been deleted.")
        return redirect("home")
    return render(request, "accounts/delete.html", {"form": form})


@operator_required
def domain_rules_view(request):
    form = DomainRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            rule = services.domain_rule_save(actor=request.user, request=request,
                                             **form.cleaned_data)
        except services.DomainRuleError as exc:
            form.add_error("domain", str(exc))
        else:
            messages.success(request, f"Saved: {rule.get_kind_display()} for {rule.domain}.")
            return redirect("accounts:domain_rules")
    return render(request, "accounts/domain_rules.html", {
        "form": form, "rules": DomainRule.objects.all(),
    })


@require_POST
@operator_required
def domain_rule_delete_view(request, pk: int):
    rule = get_object_or_404(DomainRule, pk=pk)
    services.domain_rule_delete(actor=request.user, rule=rule, request=request)
    messages.success(request, f"Removed the rule for {rule.domain}.")
    return redirect("accounts:domain_rules")


@operator_required
def audit_view(request):
    page = Paginator(AuditEvent.objects.all(), 100).get_page(request.GET.get("page"))
    return render(request, "accounts/audit.html", {"page": page})


@require_http_methods(["GET", "POST"])
def address_confirm_view(request, token: str):
    """The link of the yearly check (and of "Send me a confirmation link"). GET only says
    what confirming will do, so a mail scanner that opens links changes nothing; the button
    POSTs. Signed in or not: the link itself proves the mailbox."""
    link = address_link_read(token=token)
    if request.method == "POST" and link.status == LinkStatus.READY:
        if services.address_reconfirm(email_address=link.email_address, state=link.state,
                                      request=request):
            messages.success(request, f"Thank you: {link.email_address.email} is confirmed "
                             "for another year.")
        return redirect(request.path)  # the page now says there is nothing left to do
    ok = link.status in (LinkStatus.READY, LinkStatus.DONE)
    return render(request, "accounts/address_confirm.html", {
        "link": link, "status": link.status.value,
        "valid_days": settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS,
    }, status=200 if ok else 400)


@require_POST
@login_required
def address_confirm_link_view(request, pk: int):
    """The button "Send me a confirmation link" by one of the person's own addresses that is
    lapsed or waiting for this year's confirmation (throttled: `address_confirm_link_send`)."""
    address = get_object_or_404(EmailAddress, pk=pk, user=request.user, verified=True)
    try:
        sent = services.address_confirm_link_send(email_address=address, request=request)
    except services.AddressConfirmError as exc:
        messages.info(request, str(exc))
    else:
        if sent:
            messages.success(request, f"We sent a confirmation link to {address.email}. "
                             f"It works for {settings.COPHUB_GOV_RECONFIRM_GRACE_DAYS} days.")
        else:
            messages.warning(request, f"We sent a link to {address.email} a moment ago. "
                             "Look for it in that mailbox (and its spam folder), or ask "
                             "again in a few minutes.")
    return redirect("account_email")
