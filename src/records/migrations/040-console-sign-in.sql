-- Staff sign-in for the web console (docs/console.md). A person signs in as a member of `staff`
-- (the duty table's people), so the records name them as owner, assignee and actor exactly as the
-- API's tokens do. Like a token, a sign-in carries roles only an admin grants; the session gets
-- those of them the staff row still has, so editing the duty table can take a role away (a
-- demotion) but never add one (supervisors edit staff rows; only admins grant sign-in roles).

CREATE TABLE console_logins (
  staff_id text PRIMARY KEY REFERENCES staff (id),
  -- What the person types (lowercase); the staff id unless an admin chose another.
  username text NOT NULL UNIQUE,
  roles text[] NOT NULL CHECK (cardinality(roles) > 0),
  -- scrypt$N$r$p$salt$hash (src/console/passwords.ts); NULL until set by an admin or an invitation.
  password_hash text,
  password_set_at timestamptz,
  password_set_by text,
  -- Failed sign-ins ever, and the last one: counted for the admin, the throttle works in memory.
  failed_count integer NOT NULL DEFAULT 0,
  last_failed_at timestamptz,
  last_sign_in_at timestamptz
);

-- One-time invitation links: the person chooses their own password. Only a SHA-256 of the link's
-- secret is stored; a used or expired link is refused.
CREATE TABLE console_invitations (
  token_hash text PRIMARY KEY,
  staff_id text NOT NULL REFERENCES staff (id),
  roles text[] NOT NULL CHECK (cardinality(roles) > 0),
  created_at timestamptz NOT NULL,
  created_by text NOT NULL,
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX console_invitations_staff ON console_invitations (staff_id);

-- Signed-in browsers. The cookie holds a 256-bit secret; only its SHA-256 is stored. A session ends
-- at expires_at (absolute), after idle_until passes without a request, or when revoked (sign-out,
-- a new password, the person deactivated).
CREATE TABLE console_sessions (
  id_hash text PRIMARY KEY,
  staff_id text NOT NULL REFERENCES staff (id),
  -- The synchronizer token every state-changing request must echo (x-csrf-token or _csrf).
  csrf text NOT NULL,
  created_at timestamptz NOT NULL,
  expires_at timestamptz NOT NULL,
  idle_until timestamptz NOT NULL,
  revoked_at timestamptz,
  address text,
  user_agent text
);
CREATE INDEX console_sessions_staff ON console_sessions (staff_id);
