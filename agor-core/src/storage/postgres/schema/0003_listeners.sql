-- PostgreSQL migration 3: wake-ups only where someone waits.
--
-- PostgreSQL signals every listening session of the database on each commit that NOTIFYs,
-- whatever the channel, so a trigger notifying on every change cost a busy writer more than
-- half its speed with 50 agents waiting for something else (benches/WAKE.md). Now a waiter
-- records its channels here (under the write lock, so a writer either sees the row or
-- committed before the waiter's first look), and a write transaction, just before COMMIT,
-- notifies once per distinct channel of its changes that someone listens to. Which changes
-- wake whom is decided in Rust, the same for both engines (agor-core/src/changes.rs).
DROP TRIGGER agor_changes_notify ON agor_changes;
DROP FUNCTION agor_changes_notify();
DROP FUNCTION agor_channel(TEXT, TEXT);

-- A bell's channel: the bell's name (`all`, `a<hash>`, `g<hash>`) under a hash of the schema,
-- so that schemas of one database do not wake each other.
CREATE FUNCTION agor_channel(bell TEXT) RETURNS TEXT
    LANGUAGE sql STABLE
    AS $$ SELECT 'agor_' || to_hex(hashtext(current_schema())) || '_' || bell $$;

-- One row per channel a waiting session listens on; `pid` is its backend. A session removes
-- its rows when its wait ends; rows of sessions that died are removed by the next waiter.
CREATE TABLE agor_listeners (
    channel TEXT COLLATE "C" NOT NULL,
    pid INTEGER NOT NULL,
    PRIMARY KEY (channel, pid)
);
