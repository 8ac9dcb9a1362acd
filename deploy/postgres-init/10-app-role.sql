-- The application role supportd serve connects as: it logs in and nothing
-- more. Row-level security binds it (no superuser, no BYPASSRLS, owner of
-- nothing); `supportd migrate`, run as the owner, grants it its rows.
CREATE ROLE supportd_app LOGIN PASSWORD 'supportd_app' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
-- The owner may end its sessions (tests cut the database off this way).
GRANT supportd_app TO supportd;
