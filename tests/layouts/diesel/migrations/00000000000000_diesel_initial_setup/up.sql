CREATE OR REPLACE FUNCTION diesel_manage_updated_at(_tbl regclass) RETURNS VOID AS $$
BEGIN
    EXECUTE format('SELECT 1 FROM %s', _tbl);
END;
$$ LANGUAGE plpgsql;
