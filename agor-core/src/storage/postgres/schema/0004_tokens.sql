-- PostgreSQL migration 4: secrets for the MCP server's HTTP transport, as SQLite migration 8.
CREATE TABLE agor_tokens (
    hash TEXT COLLATE "C" PRIMARY KEY,
    agent_id TEXT COLLATE "C" NOT NULL,
    created_at TEXT COLLATE "C" NOT NULL
);
CREATE INDEX agor_tokens_agent ON agor_tokens (agent_id);
