from django.db import connection


def cleanup():
    # Application code: its DDL is not the schema.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE shop_item DROP COLUMN name")
