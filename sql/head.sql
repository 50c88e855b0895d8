-- head.sql: runs first on every install or upgrade, inside the installer's
-- transaction. It creates the version bookkeeping tables (same layout as
-- pgai's, so either installer recognises a database set up by the other),
-- refuses upgrades by anyone but the owner, serialises concurrent installs,
-- and stops with SQLSTATE 42710 when this exact version is already installed.
set local search_path = pg_catalog, pg_temp;

-- Serialise our own concurrent installs from the very first statement (the
-- table lock below only helps once the table exists). The key is an arbitrary
-- constant that spells "pgai" in ASCII.
select pg_catalog.pg_advisory_xact_lock(1885823337);

create schema if not exists ai;

do $owner_guard$
declare
  _owner oid;
  _db_owner oid;
begin
  select c.relowner into _owner
  from pg_catalog.pg_class c
  join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
  where n.nspname operator(pg_catalog.=) 'ai'
    and c.relname operator(pg_catalog.=) 'pgai_lib_migration';

  if _owner is null then
    create table ai.pgai_lib_migration
    ( "name" text not null primary key
    , applied_at_version text not null
    , applied_at timestamptz not null default pg_catalog.clock_timestamp()
    , body text not null
    );
    return;
  end if;

  if _owner operator(pg_catalog.=) 'pg_database_owner'::pg_catalog.regrole then
    select d.datdba into _db_owner
    from pg_catalog.pg_database d
    where d.datname operator(pg_catalog.=) pg_catalog.current_database();
    if _db_owner operator(pg_catalog.!=) (select r.oid from pg_catalog.pg_roles r
                                           where r.rolname operator(pg_catalog.=) current_user) then
      raise exception 'only the owner of the ai.pgai_lib_migration table can run database migrations';
    end if;
  elsif _owner operator(pg_catalog.!=) (select r.oid from pg_catalog.pg_roles r
                                        where r.rolname operator(pg_catalog.=) current_user) then
    raise exception 'only the owner of the ai.pgai_lib_migration table can run database migrations';
  end if;
end
$owner_guard$;

lock table ai.pgai_lib_migration;

create table if not exists ai.pgai_lib_feature_flag
( "name" text not null
, applied_at_version text not null
, applied_at timestamptz not null default pg_catalog.clock_timestamp()
, constraint pgai_lib_feature_flag_pkey primary key ("name")
);

create table if not exists ai.pgai_lib_version
( "name" text not null primary key
, version text not null
, installed_at timestamptz not null default pg_catalog.clock_timestamp()
);

do $version_check$
declare
  _installed text;
begin
  select v.version into _installed
  from ai.pgai_lib_version v
  where v."name" operator(pg_catalog.=) 'ai';
  if _installed operator(pg_catalog.=) '__version__' then
    raise exception 'the pgai library has already been installed/upgraded' using errcode = '42710';
  end if;
end
$version_check$;

insert into ai.pgai_lib_version ("name", version)
values ('ai', '__version__')
on conflict ("name") do update set version = excluded.version;
