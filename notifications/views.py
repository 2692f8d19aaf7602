from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from accounts.http import AuthedRequest
from notifications.forms import PreferencesForm
from notifications.models import Kind
from notifications.preferences import muted_kinds, preferences_set, unsubscribe_read


@login_required
@require_http_methods(["GET", "POST"])
def preferences(request: AuthedRequest) -> HttpResponse:
    """Each person, seller or buyer, chooses which emails they get."""
    email = request.user.email
    muted = muted_kinds(email)
    initial = {kind: kind not in muted for kind in Kind.values}
    form = PreferencesForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        preferences_set(email=email, muted={k for k in Kind.values if not form.cleaned_data[k]})
        messages.success(request, "Your email preferences are saved.")
        return redirect("notification_preferences")
    return render(request, "notifications/preferences.html", {"form": form})


# A mail client's one-click unsubscribe (RFC 8058) POSTs without a CSRF token; the signed token
# in the URL is what authorises it, and it can only turn an email off.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    found = unsubscribe_read(token)
    if found is None:
        return render(request, "notifications/unsubscribe.html", {"invalid": True}, status=404)
    email, kind = found
    context: dict[str, object] = {"email": email, "kind": Kind(kind)}
    if request.method == "POST":
        preferences_set(email=email, muted=muted_kinds(email) | {kind})
        context["done"] = True
    return render(request, "notifications/unsubscribe.html", context)
