-- Secrets with which agents reach agor over the MCP server's HTTP transport (SPEC §11). Only a
-- SHA-256 of each secret is kept, so a copy of the file does not let anyone act as an agent.
-- An agent may hold several (one per coding agent it runs in); revoking removes them all.
-- A table of agor's own: the legacy tools neither know nor need it.
CREATE TABLE agor_tokens (
    hash TEXT PRIMARY KEY,
    agent_id TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX agor_tokens_agent ON agor_tokens (agent_id);
