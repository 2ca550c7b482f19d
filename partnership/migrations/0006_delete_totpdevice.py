from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("partnership", "0005_second_factor_to_django_otp"),
    ]

    operations = [
        migrations.DeleteModel(
            name="TotpDevice",
        ),
    ]
