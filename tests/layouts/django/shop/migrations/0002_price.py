from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("shop", "0001_initial")]
    operations = [
        migrations.RunSQL(
            "ALTER TABLE shop_item ADD COLUMN price numeric(10, 2)",
            "ALTER TABLE shop_item DROP COLUMN price",
        ),
        migrations.RunSQL("CREATE INDEX shop_item_price_idx ON shop_item (price)"),
    ]
