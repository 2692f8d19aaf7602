# A room or organisation an email is about, checked again when it is sent.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('outbox', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='outboundemail',
            name='topic',
            field=models.CharField(blank=True, max_length=64),
        ),
    ]
