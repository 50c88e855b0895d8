-- ai.formatting_python_template and the formatting validators (spec 3.4).

select t.eq(ai.formatting_python_template(),
  '{"implementation":"python_template","config_type":"formatting","template":"$chunk"}'::jsonb,
  'formatting_python_template default');
select t.eq(ai.formatting_python_template('title: $title $chunk'),
  '{"implementation":"python_template","config_type":"formatting","template":"title: $title $chunk"}'::jsonb,
  'formatting_python_template positional');
select t.eq(ai.formatting_python_template(template => 'x $chunk')->>'template', 'x $chunk',
  'formatting_python_template named');
select t.eq(ai.formatting_python_template(null),
  '{"implementation":"python_template","config_type":"formatting"}'::jsonb,
  'formatting_python_template strips NULL');
select t.ok(to_regprocedure('ai.formatting_chunk_value()') is null, 'no formatting_chunk_value in SQL');
select t.eq((select provolatile::text from pg_proc where oid = 'ai.formatting_python_template(text)'::regprocedure),
  'i', 'builder immutable');

create table public.docs (id int primary key, title text, body text);
create table public.with_chunk (id int primary key, chunk text);
create table public.dropped_chunk (id int primary key, chunk text, body text);
alter table public.dropped_chunk drop column chunk;
create schema "My Schema";
create table "My Schema"."Tab""le" (id int primary key, "Body Text" text);
create table "My Schema"."Chunky" (id int primary key, "chunk" text);
create table "My Schema".other (id int primary key, "Chunk" text); -- different case: allowed

-- valid
select ai._validate_formatting(ai.formatting_python_template(), 'public', 'docs');
select ai._validate_formatting(ai.formatting_python_template('$title $chunk'), 'public', 'docs');
select ai._validate_formatting(ai.formatting_python_template(), 'public', 'dropped_chunk');
select ai._validate_formatting(ai.formatting_python_template(), 'My Schema', 'Tab"le');
select ai._validate_formatting(ai.formatting_python_template(), 'My Schema', 'other');
select ai._validate_formatting_python_template(ai.formatting_python_template('a$chunkb'), 'public', 'docs');

-- errors
select t.raises($$select ai._validate_formatting('[]', 'public', 'docs')$$,
  'formatting config is not a jsonb object');
select t.raises($$select ai._validate_formatting(null, 'public', 'docs')$$,
  'formatting config is not a jsonb object', 'null config');
select t.raises($$select ai._validate_formatting('{"implementation":"python_template","template":"$chunk"}', 'public', 'docs')$$,
  'invalid config_type for formatting config', 'missing config_type');
select t.raises($$select ai._validate_formatting('{"implementation":"python_template","config_type":"chunking","template":"$chunk"}', 'public', 'docs')$$,
  'invalid config_type for formatting config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_formatting('{"implementation":"chunk_value","config_type":"formatting"}', 'public', 'docs')$$,
  'unrecognized formatting implementation', 'chunk_value rejected', 'P0001');
select t.raises($$select ai._validate_formatting('{"config_type":"formatting","template":"$chunk"}', 'public', 'docs')$$,
  'unrecognized formatting implementation', 'missing implementation');
select t.raises($$select ai._validate_formatting(ai.formatting_python_template('$title'), 'public', 'docs')$$,
  'template must contain $chunk placeholder', 'no $chunk', 'P0001');
select t.raises($$select ai._validate_formatting(ai.formatting_python_template('${chunk}'), 'public', 'docs')$$,
  'template must contain $chunk placeholder', '${chunk} is not the substring $chunk');
select t.raises($$select ai._validate_formatting('{"implementation":"python_template","config_type":"formatting"}', 'public', 'docs')$$,
  'template must contain $chunk placeholder', 'missing template');
select t.raises($$select ai._validate_formatting(ai.formatting_python_template(), 'public', 'with_chunk')$$,
  'formatting_python_template may not be used when source table has a column named "chunk"', 'chunk column', 'P0001');
select t.raises($$select ai._validate_formatting(ai.formatting_python_template(), 'My Schema', 'Chunky')$$,
  'formatting_python_template may not be used when source table has a column named "chunk"', 'chunk column, hostile schema');
select t.raises($$select ai._validate_formatting_python_template(ai.formatting_python_template(), 'public', 'with_chunk')$$,
  'formatting_python_template may not be used when source table has a column named "chunk"', 'direct call');
select t.raises($$select ai._validate_formatting_python_template(ai.formatting_python_template('no'), 'public', 'docs')$$,
  'template must contain $chunk placeholder', 'direct call, no placeholder');
