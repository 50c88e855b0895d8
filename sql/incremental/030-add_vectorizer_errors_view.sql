-- Errors moved to ai._vectorizer_errors; ai.vectorizer_errors became a view
-- that adds the vectorizer's name. SELECT grants move to the view.
declare
  _g record;
begin
  alter table ai.vectorizer_errors rename to _vectorizer_errors;
  alter index ai.vectorizer_errors_id_recorded_idx rename to _vectorizer_errors_id_recorded_idx;

  create view ai.vectorizer_errors as
  select e.*, v."name"
  from ai._vectorizer_errors e
  left outer join ai.vectorizer v on e.id operator(pg_catalog.=) v.id;

  for _g in
    select case when a.grantee operator(pg_catalog.=) 0 then 'public'
                else pg_catalog.quote_ident(r.rolname) end as grantee
    , a.is_grantable
    from pg_catalog.pg_class c
    join pg_catalog.pg_namespace n on n.oid operator(pg_catalog.=) c.relnamespace
    cross join lateral pg_catalog.aclexplode(c.relacl) a
    left join pg_catalog.pg_roles r on r.oid operator(pg_catalog.=) a.grantee
    where n.nspname operator(pg_catalog.=) 'ai'
      and c.relname operator(pg_catalog.=) '_vectorizer_errors'
      and a.privilege_type operator(pg_catalog.=) 'SELECT'
      and a.grantee operator(pg_catalog.!=) c.relowner
  loop
    execute pg_catalog.format('grant select on ai.vectorizer_errors to %s%s', _g.grantee,
      case when _g.is_grantable then ' with grant option' else '' end);
  end loop;
end;
