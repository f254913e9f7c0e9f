-- vr's JdbcStore, schema version 1. Applied once, in one transaction, by JdbcStore.open().
-- Every record of the Store (apps, swarms, builds, releases, finished runs, the live record
-- of port locks, live runs and run numbers) is JSON text under (collection, key).
CREATE TABLE vr_records (
  collection text NOT NULL,
  key text NOT NULL,
  json text NOT NULL,
  PRIMARY KEY (collection, key)
);
-- One row: every change of the store takes it with SELECT ... FOR UPDATE first, so the store's
-- rules (one live run per swarm, port locks, resume) are atomic across processes and machines.
CREATE TABLE vr_lock (
  id integer PRIMARY KEY CHECK (id = 1)
);
INSERT INTO vr_lock (id) VALUES (1);
-- The event log: dispatch and reconcile events, in order; NOTIFY vr_events on every append.
CREATE TABLE vr_events (
  id bigserial PRIMARY KEY,
  at timestamptz NOT NULL,
  type text NOT NULL,
  json text NOT NULL
);
-- Which store instance renews the lease of which live run (for people: the stale rule reads the
-- run's own last change).
CREATE TABLE vr_leases (
  run_id text PRIMARY KEY,
  store_instance text NOT NULL,
  owner_host text NOT NULL,
  owner_pid bigint NOT NULL,
  renewed_at timestamptz NOT NULL
);
