from django.db import migrations


class Migration(migrations.Migration):
    operations = [
        migrations.RunSQL(
            "CREATE TABLE shop_item (id bigserial PRIMARY KEY, name text NOT NULL)",
            reverse_sql="DROP TABLE shop_item",
        ),
    ]
