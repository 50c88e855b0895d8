-- Parsing builders and ai._validate_parsing (spec 3.2).

select t.eq(ai.parsing_auto(), '{"implementation":"auto","config_type":"parsing"}'::jsonb, 'parsing_auto');
select t.eq(ai.parsing_none(), '{"implementation":"none","config_type":"parsing"}'::jsonb, 'parsing_none');
select t.eq(ai.parsing_pymupdf(), '{"implementation":"pymupdf","config_type":"parsing"}'::jsonb, 'parsing_pymupdf');
select t.eq(ai.parsing_docling(), '{"implementation":"docling","config_type":"parsing"}'::jsonb, 'parsing_docling');
select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'parsing\_%'), 'i',
  'parsing builders are immutable');

create domain public.my_text as text;
create table public.src
( id int primary key
, t_text text
, t_varchar varchar(20)
, t_char char(10)
, t_cv character varying
, t_bytea bytea
, t_float float8
, t_domain public.my_text
);
create schema "My Schema";
create table "My Schema"."Tab""le" (id int primary key, "Body Text" text, "Doc Bytes" bytea);

-- valid
select ai._validate_parsing(ai.parsing_auto(), ai.loading_column('t_text'), 'public', 'src');
select ai._validate_parsing(ai.parsing_auto(), ai.loading_column('t_bytea'), 'public', 'src');  -- bytea + auto
select ai._validate_parsing(ai.parsing_none(), ai.loading_column('t_text'), 'public', 'src');
select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_bytea'), 'public', 'src');
select ai._validate_parsing(ai.parsing_docling(), ai.loading_column('t_bytea'), 'public', 'src');
select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_uri('t_text'), 'public', 'src'); -- uri + pymupdf on text
select ai._validate_parsing(ai.parsing_docling(), ai.loading_uri('t_varchar'), 'public', 'src');
select ai._validate_parsing(ai.parsing_none(), ai.loading_uri('t_text'), 'public', 'src');     -- uri + none
select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('Doc Bytes'), 'My Schema', 'Tab"le');
select ai._validate_parsing(ai.parsing_none(), ai.loading_column('Body Text'), 'My Schema', 'Tab"le');
-- column existence is not this validator's business
select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('no_such'), 'public', 'src');

-- errors
select t.raises($$select ai._validate_parsing('[]', ai.loading_column('t_text'), 'public', 'src')$$,
  'parsing config is not a jsonb object');
select t.raises($$select ai._validate_parsing(null, ai.loading_column('t_text'), 'public', 'src')$$,
  'parsing config is not a jsonb object', 'null');
select t.raises($$select ai._validate_parsing('{"implementation":"auto"}', ai.loading_column('t_text'), 'public', 'src')$$,
  'invalid config_type for parsing config', 'missing config_type', 'P0001');
select t.raises($$select ai._validate_parsing('{"implementation":"auto","config_type":"loading"}', ai.loading_column('t_text'), 'public', 'src')$$,
  'invalid config_type for parsing config', 'wrong config_type');
select t.raises($$select ai._validate_parsing('{"implementation":"tika","config_type":"parsing"}', ai.loading_column('t_text'), 'public', 'src')$$,
  'invalid parsing config implementation', 'unknown implementation', 'P0001');
-- deliberate difference from pgai (see docs/notes/config-helpers.md)
select t.raises($$select ai._validate_parsing('{"config_type":"parsing"}', ai.loading_column('t_text'), 'public', 'src')$$,
  'invalid parsing config implementation', 'missing implementation');
select t.raises($$select ai._validate_parsing(ai.parsing_none(), ai.loading_column('t_bytea'), 'public', 'src')$$,
  'cannot use parsing_none with bytea columns', 'column + none on bytea', 'P0001');
select t.raises($$select ai._validate_parsing(ai.parsing_none(), ai.loading_column('Doc Bytes'), 'My Schema', 'Tab"le')$$,
  'cannot use parsing_none with bytea columns', 'none on bytea, hostile names');
select t.raises($$select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_text'), 'public', 'src')$$,
  'parsing_pymupdf must be used with a bytea column', 'column + pymupdf on text', 'P0001');
select t.raises($$select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_varchar'), 'public', 'src')$$,
  'parsing_pymupdf must be used with a bytea column', 'column + pymupdf on varchar');
select t.raises($$select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_char'), 'public', 'src')$$,
  'parsing_pymupdf must be used with a bytea column', 'column + pymupdf on char(10)');
select t.raises($$select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_cv'), 'public', 'src')$$,
  'parsing_pymupdf must be used with a bytea column', 'column + pymupdf on character varying');
select t.raises($$select ai._validate_parsing(ai.parsing_pymupdf(), ai.loading_column('t_domain'), 'public', 'src')$$,
  'parsing_pymupdf must be used with a bytea column', 'column + pymupdf on a domain');
select t.raises($$select ai._validate_parsing(ai.parsing_docling(), ai.loading_column('t_float'), 'public', 'src')$$,
  'parsing_docling must be used with a bytea column', 'column + docling on float8', 'P0001');
select t.raises($$select ai._validate_parsing(ai.parsing_docling(), ai.loading_column('Body Text'), 'My Schema', 'Tab"le')$$,
  'parsing_docling must be used with a bytea column', 'docling on text, hostile names');
