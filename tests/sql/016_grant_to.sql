-- ai.grant_to and the GUC ai.grant_to_default (spec 3.10).
create function pg_temp.sorted(a name[]) returns name[] language sql as
  $$ select coalesce(array_agg(x order by x), '{}') from unnest(a) x $$;

select t.eq((select provolatile::text from pg_proc where oid = 'ai.grant_to(name[])'::regprocedure),
  'v', 'grant_to volatile');
select t.eq((select provolatile::text from pg_proc where oid = 'ai.grant_to()'::regprocedure),
  'v', 'grant_to() volatile');
select t.eq((select provariadic <> 0 from pg_proc where oid = 'ai.grant_to(name[])'::regprocedure),
  true, 'grant_to is variadic');

-- no GUC
select t.eq(ai.grant_to(), '{}'::name[], 'grant_to() with no GUC is empty, not NULL');
select t.eq(ai.grant_to('ted'), '{ted}'::name[], 'grant_to(ted)');
select t.eq(ai.grant_to(variadic array[]::name[]), '{}'::name[], 'empty variadic array');
select t.eq(pg_temp.sorted(ai.grant_to('b', 'a', 'b', 'c', 'a')), '{a,b,c}'::name[], 'duplicates removed');
select t.eq(ai.grant_to('public'), '{public}'::name[], 'public passes through');
select t.eq(ai.grant_to('Mixed Case'), array['Mixed Case']::name[], 'names are not case folded');
select t.eq(ai.grant_to(variadic null::name[]), '{}'::name[], 'NULL array gives empty');
select t.eq(ai.grant_to(variadic array['x', null]::name[]), '{x}'::name[], 'NULL element skipped');

-- GUC set
set ai.grant_to_default = 'bob, barry, sal';
select t.eq(pg_temp.sorted(ai.grant_to()), '{barry,bob,sal}'::name[], 'grant_to() = GUC list, trimmed');
select t.eq(cardinality(ai.grant_to()), 3, 'three entries');
set ai.grant_to_default = 'bob,barry,sal';
select t.eq(pg_temp.sorted(ai.grant_to('may')), '{barry,bob,may,sal}'::name[], 'grant_to(may) merges the GUC');
select t.eq(pg_temp.sorted(ai.grant_to('bob', 'may')), '{barry,bob,may,sal}'::name[], 'no duplicate with the GUC');
select t.eq(pg_temp.sorted(ai.grant_to(variadic array[]::name[])), '{barry,bob,sal}'::name[], 'empty array plus GUC');
set ai.grant_to_default = ' bob ,, sal ,';
select t.eq(pg_temp.sorted(ai.grant_to()), '{bob,sal}'::name[], 'empty GUC entries ignored');
set ai.grant_to_default = '';
select t.eq(ai.grant_to(), '{}'::name[], 'empty GUC');
select t.eq(ai.grant_to('ted'), '{ted}'::name[], 'empty GUC, explicit name');
reset ai.grant_to_default;
select t.eq(ai.grant_to(), '{}'::name[], 'reset GUC');
