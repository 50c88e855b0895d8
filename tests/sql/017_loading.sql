-- Loading builders and ai._validate_loading (spec 3.1).

-- loading_column: NOT stripped (kept pgai quirk)
select t.eq(ai.loading_column('body'),
  '{"implementation":"column","config_type":"loading","column_name":"body","retries":6}'::jsonb,
  'loading_column defaults');
select t.eq(ai.loading_column('body', 0),
  '{"implementation":"column","config_type":"loading","column_name":"body","retries":0}'::jsonb,
  'loading_column retries');
select t.eq(ai.loading_column('body', retries => null),
  '{"implementation":"column","config_type":"loading","column_name":"body","retries":null}'::jsonb,
  'loading_column keeps "retries": null');
select t.eq(ai.loading_column(null),
  '{"implementation":"column","config_type":"loading","column_name":null,"retries":6}'::jsonb,
  'loading_column keeps "column_name": null');
select t.eq(ai.loading_column('Body Text')->>'column_name', 'Body Text', 'loading_column hostile name');
select t.raises($$select ai.loading_column()$$, 'function ai.loading_column() does not exist', 'no zero-arg form');
select t.raises($$select ai.loading_uri()$$, 'function ai.loading_uri() does not exist', 'no zero-arg uri form');

-- loading_uri: stripped
select t.eq(ai.loading_uri('url'),
  '{"implementation":"uri","config_type":"loading","column_name":"url","retries":6}'::jsonb,
  'loading_uri defaults');
select t.eq(ai.loading_uri('url', 2, 'arn:aws:iam::123456789012:role/reader'),
  '{"implementation":"uri","config_type":"loading","column_name":"url","retries":2,
    "aws_role_arn":"arn:aws:iam::123456789012:role/reader"}'::jsonb, 'loading_uri all arguments');
select t.eq(ai.loading_uri('url', retries => null),
  '{"implementation":"uri","config_type":"loading","column_name":"url"}'::jsonb, 'loading_uri strips NULLs');
select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'loading\_%'), 'i',
  'loading builders are immutable');

-- source tables
create domain public.my_text as text;
create table public.src
( id int primary key
, t_text text
, t_varchar varchar(20)
, t_char char(10)
, t_qchar "char"
, t_bytea bytea
, t_float float8
, t_domain public.my_text
, t_int int
, dropped text
);
alter table public.src drop column dropped;
create schema "My Schema";
create table "My Schema"."Tab""le" (id int primary key, "Body Text" text, "Blob" bytea);

-- valid
select ai._validate_loading(ai.loading_column('t_text'), 'public', 'src');
select ai._validate_loading(ai.loading_column('t_varchar'), 'public', 'src');
select ai._validate_loading(ai.loading_column('t_char'), 'public', 'src');
select ai._validate_loading(ai.loading_column('t_qchar'), 'public', 'src');
select ai._validate_loading(ai.loading_column('t_bytea'), 'public', 'src');
select ai._validate_loading(ai.loading_column('t_text', 0), 'public', 'src');
select ai._validate_loading(ai.loading_uri('t_text'), 'public', 'src');
select ai._validate_loading(ai.loading_uri('t_varchar'), 'public', 'src');
select ai._validate_loading(ai.loading_uri('t_char'), 'public', 'src');
select ai._validate_loading(ai.loading_uri('t_text', 3, 'arn:aws:iam::1:role/x'), 'public', 'src');
select ai._validate_loading(ai.loading_column('Body Text'), 'My Schema', 'Tab"le');
select ai._validate_loading(ai.loading_uri('Body Text'), 'My Schema', 'Tab"le');
select ai._validate_loading(ai.loading_column('Blob'), 'My Schema', 'Tab"le');
select ai._validate_loading('{"implementation":"column","config_type":"loading","column_name":"t_text","retries":"4"}',
  'public', 'src');

-- errors, in the spec's order
select t.raises($$select ai._validate_loading('[]', 'public', 'src')$$, 'loading config is not a jsonb object');
select t.raises($$select ai._validate_loading(null, 'public', 'src')$$, 'loading config is not a jsonb object', 'null');
select t.raises($$select ai._validate_loading('{"implementation":"column","column_name":"t_text","retries":6}', 'public', 'src')$$,
  'invalid config_type for loading config', 'missing config_type', 'P0001');
select t.raises($$select ai._validate_loading('{"implementation":"column","config_type":"parsing","column_name":"t_text","retries":6}', 'public', 'src')$$,
  'invalid config_type for loading config', 'wrong config_type');
select t.raises($$select ai._validate_loading('{"config_type":"loading","column_name":"t_text","retries":6}', 'public', 'src')$$,
  'invalid loading config implementation', 'missing implementation', 'P0001');
select t.raises($$select ai._validate_loading('{"implementation":"s3","config_type":"loading","column_name":"t_text","retries":6}', 'public', 'src')$$,
  'invalid loading config implementation', 'unknown implementation');
select t.raises($$select ai._validate_loading('{"implementation":"column","config_type":"loading","retries":6}', 'public', 'src')$$,
  'invalid loading config, missing column_name', 'missing column_name', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_column(null), 'public', 'src')$$,
  'invalid loading config, missing column_name', 'null column_name');
select t.raises($$select ai._validate_loading(ai.loading_column('t_text', null), 'public', 'src')$$,
  'invalid loading config, retries must be a non-negative integer', 'retries => null', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_column('t_text', -1), 'public', 'src')$$,
  'invalid loading config, retries must be a non-negative integer', 'negative retries');
select t.raises($$select ai._validate_loading(ai.loading_uri('t_text', null), 'public', 'src')$$,
  'invalid loading config, retries must be a non-negative integer', 'uri without retries');
select t.raises($$select ai._validate_loading('{"implementation":"column","config_type":"loading","column_name":"t_text","retries":"many"}', 'public', 'src')$$,
  'invalid loading config, retries must be a non-negative integer', 'non-numeric retries');
select t.raises($$select ai._validate_loading('{"implementation":"column","config_type":"loading","column_name":"t_text","retries":1.5}', 'public', 'src')$$,
  'invalid loading config, retries must be a non-negative integer', 'fractional retries');
select t.raises($$select ai._validate_loading(ai.loading_uri('t_text', 6, 'arn:aws:iam::123:user/x'), 'public', 'src')$$,
  'invalid loading config, aws_role_arn must match arn:aws:iam::*:role/*', 'bad arn', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_column('nope'), 'public', 'src')$$,
  'column_name in config does not exist in the table: nope', 'missing column', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_column('dropped'), 'public', 'src')$$,
  'column_name in config does not exist in the table: dropped', 'dropped column is not live');
select t.raises($$select ai._validate_loading(ai.loading_column('body text'), 'My Schema', 'Tab"le')$$,
  'column_name in config does not exist in the table: body text', 'column names are case sensitive');
select t.raises($$select ai._validate_loading(ai.loading_column('t_text'), 'public', 'no_such_table')$$,
  'column_name in config does not exist in the table: t_text', 'missing table');
select t.raises($$select ai._validate_loading(ai.loading_column('t_float'), 'public', 'src')$$,
  'column_name t_float in config is of invalid type float8. Supported types are: text, varchar, char, bpchar, bytea',
  'float8 column', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_column('t_int'), 'public', 'src')$$,
  'column_name t_int in config is of invalid type int4.', 'int column');
select t.raises($$select ai._validate_loading(ai.loading_column('t_domain'), 'public', 'src')$$,
  'column_name t_domain in config is of invalid type my_text.', 'domain over text rejected');
select t.raises($$select ai._validate_loading(ai.loading_uri('t_bytea'), 'public', 'src')$$,
  'the type of the column `t_bytea` in config is not compatible with `uri` loading implementation (type should be either text, varchar, char, bpchar, or bytea)',
  'uri on bytea', 'P0001');
select t.raises($$select ai._validate_loading(ai.loading_uri('Blob'), 'My Schema', 'Tab"le')$$,
  'the type of the column `Blob` in config is not compatible with `uri` loading implementation', 'uri on bytea, hostile names');
