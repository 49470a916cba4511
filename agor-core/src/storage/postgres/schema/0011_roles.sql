-- PostgreSQL migration 11: custom roles as data, as SQLite migration 15.
CREATE TABLE agor_roles (
    name TEXT COLLATE "C" PRIMARY KEY,
    tier BIGINT NOT NULL,
    capabilities TEXT COLLATE "C" NOT NULL,
    permissions TEXT COLLATE "C" NOT NULL,
    creates TEXT COLLATE "C" NOT NULL,
    defined_by TEXT COLLATE "C" NOT NULL,
    updated_at TEXT COLLATE "C" NOT NULL
);
