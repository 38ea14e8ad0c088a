-- API bearer tokens (docs/api.md). A token is `fm_<id>_<secret>`: the id is public and names the token
-- in lists and logs; only the SHA-256 of the whole token is stored. 256 random bits make a slow hash
-- pointless (nothing to guess), and a fast one lets every request verify with one indexed read.
-- Nothing is deleted: a token leaves service by being revoked.

CREATE TABLE api_tokens (
  id text PRIMARY KEY,
  -- Who acts with it: the staff id service records name as owner, assignee and actor.
  user_id text NOT NULL,
  -- What the token is for ("front desk PC 2", "prometheus").
  label text,
  roles text[] NOT NULL CHECK (cardinality(roles) > 0),
  token_hash text NOT NULL UNIQUE,
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  last_used_at timestamptz,
  revoked_at timestamptz,
  revoked_by text
);

CREATE INDEX api_tokens_user ON api_tokens (user_id);
