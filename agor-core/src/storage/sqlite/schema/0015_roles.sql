-- Custom roles as data (SPEC §9): tier, capabilities, permissions and the roles its holders may
-- create, as space-separated words. The built-in roles are fixed in code and not stored.
CREATE TABLE agor_roles (
    name TEXT PRIMARY KEY,
    tier INTEGER NOT NULL,
    capabilities TEXT NOT NULL,
    permissions TEXT NOT NULL,
    creates TEXT NOT NULL,
    defined_by TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
