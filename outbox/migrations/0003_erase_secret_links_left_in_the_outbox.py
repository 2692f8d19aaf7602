"""Emails queued before secret links were made at send time hold the link itself: erase it from
every row that will not be sent again by itself (interrupted, cancelled). Rows still waiting
keep theirs (they are sent as written, then erased); failed ones were erased already."""

from django.db import migrations

ERASED = "(erased: it held a secret link)"


def erase(apps, schema_editor):
    OutboundEmail = apps.get_model("outbox", "OutboundEmail")
    OutboundEmail.objects.filter(
        scrub_after_send=True, status__in=["sending", "cancelled"]
    ).exclude(body_text__startswith="(erased").update(body_text=ERASED, body_html="")


class Migration(migrations.Migration):
    dependencies = [("outbox", "0002_outboundemail_topic")]

    operations = [migrations.RunPython(erase, migrations.RunPython.noop)]
