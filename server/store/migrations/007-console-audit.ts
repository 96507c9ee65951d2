/**
 * The audit trail of admin actions on the console API (issue 20): every change an admin
 * makes (policy, tasks, clone answers, revocations, enrollment tokens, purges) with when,
 * from where, the answer's status and a bounded summary of what was asked (never a token).
 * Written once per action, read newest first.
 */
export const sql = `
CREATE TABLE console_audit (
  id       bigserial PRIMARY KEY,
  at       timestamptz NOT NULL DEFAULT now(),
  method   text NOT NULL,
  route    text NOT NULL,
  path     text NOT NULL,
  status   integer NOT NULL,
  remote   text NOT NULL,
  summary  jsonb NOT NULL DEFAULT '{}'
);
`;
