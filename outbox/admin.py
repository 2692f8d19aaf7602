from django.contrib import admin

from outbox.models import OutboundEmail

WITHHELD = "(withheld: it carries a secret link)"
BODIES = ("body_text", "body_html")


@admin.register(OutboundEmail)
class OutboundEmailAdmin(admin.ModelAdmin):
    list_display = ["key", "to", "subject", "status", "attempts", "created_at", "sent_at"]
    list_filter = ["status"]
    search_fields = ["to", "subject", "key"]
    # The bodies through the methods below: staff never read a secret link in one (today's
    # emails hold only a placeholder, rows queued before that the link itself).
    exclude = BODIES
    readonly_fields = [f.name for f in OutboundEmail._meta.fields if f.name not in BODIES] + [
        "text_body",
        "html_body",
    ]

    def has_add_permission(self, request) -> bool:
        return False  # emails are queued by the app, never written by hand

    @admin.display(description="Body text")
    def text_body(self, email: OutboundEmail) -> str:
        return WITHHELD if email.scrub_after_send else email.body_text

    @admin.display(description="Body HTML")
    def html_body(self, email: OutboundEmail) -> str:
        return WITHHELD if email.scrub_after_send else email.body_html
