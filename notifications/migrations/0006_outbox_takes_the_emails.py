import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    """The outbox and the email preferences became the outbox app's (outbox 0001): Django's
    state moves, the tables stay where they are."""

    dependencies = [
        ("notifications", "0005_reminders_digests_notices"),
        ("outbox", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="notice",
                    name="email",
                    field=models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="notices",
                        to="outbox.outboundemail",
                    ),
                ),
                migrations.DeleteModel(name="EmailPreference"),
                migrations.DeleteModel(name="OutboundEmail"),
            ]
        )
    ]
