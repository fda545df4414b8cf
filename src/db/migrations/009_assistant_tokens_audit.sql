-- 009_assistant_tokens_audit: the assistant's MCP tools. Tokens are signed and carry their own
-- expiry (src/domain/assistantToken.ts), so only revocations need a row; every tool call leaves
-- an audit row. Both belong to the person and go with their erasure (no cascade: the erasure
-- deletes them on purpose, and a forgotten table makes deleting the person fail loudly).

CREATE TABLE assistant_token_revocations (
  token_id    text PRIMARY KEY,                 -- the token's random id (its `jti`)
  user_id     uuid NOT NULL REFERENCES users (id),
  expires_at  timestamptz NOT NULL,             -- after this the token is dead anyway; the row may go
  revoked_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistant_token_revocations_user_idx ON assistant_token_revocations (user_id);

CREATE TABLE assistant_tool_calls (
  id           bigserial PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id),
  token_id     text,                            -- null for the stdio server (no token)
  tool         text NOT NULL,
  args_digest  text NOT NULL,                   -- sha256 of the canonical arguments: what, not the content
  outcome      text NOT NULL,                   -- 'ok' or 'error:<code>'
  at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assistant_tool_calls_user_idx ON assistant_tool_calls (user_id, at);
