-- Assertion helpers for the SQL behaviour tests, loaded into every fresh test
-- database before the test file runs. Each helper raises an exception on
-- failure, so the psql script (run with ON_ERROR_STOP) stops at the first
-- broken expectation and the runner reports the file as failed.
create schema if not exists t;

create or replace function t.ok(cond boolean, what text) returns void
language plpgsql as $$
begin
  if cond is not true then
    raise exception 'ASSERTION FAILED: %', what;
  end if;
end $$;

create or replace function t.eq(got anycompatible, want anycompatible, what text) returns void
language plpgsql as $$
begin
  if got is distinct from want then
    raise exception 'ASSERTION FAILED: % (got %, want %)', what, got, want;
  end if;
end $$;

-- Runs sql and expects it to fail with a message starting with msg_prefix
-- (pgai's tests match messages by prefix) and, when given, that SQLSTATE.
create or replace function t.raises(sql text, msg_prefix text, what text default null,
                                    want_state text default null) returns void
language plpgsql as $$
declare
  m text; st text;
begin
  begin
    execute sql;
  exception when others then
    get stacked diagnostics m = message_text, st = returned_sqlstate;
    if left(m, length(msg_prefix)) is distinct from msg_prefix then
      raise exception 'ASSERTION FAILED: % : wrong error message (got "%", want prefix "%")',
        coalesce(what, sql), m, msg_prefix;
    end if;
    if want_state is not null and st is distinct from want_state then
      raise exception 'ASSERTION FAILED: % : wrong SQLSTATE (got %, want %)',
        coalesce(what, sql), st, want_state;
    end if;
    return;
  end;
  raise exception 'ASSERTION FAILED: % : expected an error starting with "%", got none',
    coalesce(what, sql), msg_prefix;
end $$;

-- Counts the rows of a relation given by name (for queue and target tables).
create or replace function t.count(rel text) returns bigint
language plpgsql as $$
declare n bigint;
begin
  execute format('select count(*) from %s', rel) into n;
  return n;
end $$;
