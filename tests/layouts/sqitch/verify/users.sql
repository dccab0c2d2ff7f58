BEGIN;
SELECT nickname, password FROM flipr.users WHERE FALSE;
ROLLBACK;
