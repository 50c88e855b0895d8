-- Destination builders, ai._validate_destination, ai._evaluate_destination and
-- ai._validate_destination_can_create_objects (spec 3.9).

-- destination_table: stripped
select t.eq(ai.destination_table(), '{"implementation":"table","config_type":"destination"}'::jsonb,
  'destination_table default');
select t.eq(ai.destination_table('foo'),
  '{"implementation":"table","config_type":"destination","destination":"foo"}'::jsonb,
  'first positional argument is the destination shorthand');
select t.eq(ai.destination_table(target_schema => 'ts', target_table => 'tt', view_schema => 'vs', view_name => 'vn'),
  '{"implementation":"table","config_type":"destination","target_schema":"ts","target_table":"tt",
    "view_schema":"vs","view_name":"vn"}'::jsonb, 'destination_table named arguments');
select t.eq(ai.destination_table('d', 's', 't', 'vs', 'v'),
  '{"implementation":"table","config_type":"destination","destination":"d","target_schema":"s",
    "target_table":"t","view_schema":"vs","view_name":"v"}'::jsonb, 'destination_table all positional');
select t.eq(ai.destination_table(null, null, null, null, null),
  '{"implementation":"table","config_type":"destination"}'::jsonb, 'destination_table strips NULLs');

-- destination_column
select t.eq(ai.destination_column('embedding1'),
  '{"implementation":"column","config_type":"destination","embedding_column":"embedding1"}'::jsonb,
  'destination_column');
select t.eq(ai.destination_column('Emb Col')->>'embedding_column', 'Emb Col', 'destination_column hostile name');
select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'destination\_%'), 'i',
  'destination builders are immutable');

-- _validate_destination
select ai._validate_destination(ai.destination_table(), ai.chunking_recursive_character_text_splitter());
select ai._validate_destination(ai.destination_table(), ai.chunking_none());
select ai._validate_destination(ai.destination_column('e'), ai.chunking_none());
select t.raises($$select ai._validate_destination('[]', ai.chunking_none())$$, 'destination config is not a jsonb object');
select t.raises($$select ai._validate_destination(null, ai.chunking_none())$$,
  'destination config is not a jsonb object', 'null');
select t.raises($$select ai._validate_destination('{"implementation":"table"}', ai.chunking_none())$$,
  'invalid config_type for destination config', 'missing config_type', 'P0001');
select t.raises($$select ai._validate_destination('{"implementation":"table","config_type":"loading"}', ai.chunking_none())$$,
  'invalid config_type for destination config', 'wrong config_type');
select t.raises($$select ai._validate_destination(ai.destination_column('e'), ai.chunking_recursive_character_text_splitter())$$,
  'chunking must be none for column destination', 'column + recursive chunking', 'P0001');
select t.raises($$select ai._validate_destination(ai.destination_column('e'), ai.chunking_character_text_splitter())$$,
  'chunking must be none for column destination', 'column + character chunking');

-- _evaluate_destination: table defaults
select t.eq(ai._evaluate_destination(ai.destination_table(), 'website', 'blog'),
  '{"implementation":"table","config_type":"destination","target_schema":"website",
    "target_table":"blog_embedding_store","view_schema":"website","view_name":"blog_embedding"}'::jsonb,
  'evaluate: no arguments');
select t.eq(ai._evaluate_destination(ai.destination_table('foo'), 'website', 'blog'),
  '{"implementation":"table","config_type":"destination","target_schema":"website",
    "target_table":"foo_store","view_schema":"website","view_name":"foo"}'::jsonb,
  'evaluate: shorthand');
select t.eq(ai._evaluate_destination(ai.destination_table('foo', target_table => 'tt', view_name => 'vv'), 'website', 'blog'),
  '{"implementation":"table","config_type":"destination","target_schema":"website",
    "target_table":"tt","view_schema":"website","view_name":"vv"}'::jsonb,
  'evaluate: explicit names beat the shorthand');
select t.eq(ai._evaluate_destination(ai.destination_table(target_schema => 'other'), 'website', 'blog'),
  '{"implementation":"table","config_type":"destination","target_schema":"other",
    "target_table":"blog_embedding_store","view_schema":"website","view_name":"blog_embedding"}'::jsonb,
  'evaluate: target_schema');
select t.eq(ai._evaluate_destination(ai.destination_table(view_schema => 'ai'), 'website', 'blog')->>'view_schema',
  'website', 'evaluate: view_schema argument ignored (kept pgai quirk)');
select t.eq(ai._evaluate_destination(ai.destination_table(), 'My Schema', 'Tab"le'),
  jsonb_build_object('implementation', 'table', 'config_type', 'destination', 'target_schema', 'My Schema',
    'target_table', 'Tab"le_embedding_store', 'view_schema', 'My Schema', 'view_name', 'Tab"le_embedding'),
  'evaluate: hostile names');
select t.eq(length(ai._evaluate_destination(ai.destination_table(), 's', repeat('x', 60))->>'target_table'), 63,
  'evaluate: default names truncated to NAMEDATALEN like the created object');
select t.eq(ai._evaluate_destination(ai.destination_column('emb'), 'website', 'blog'),
  '{"implementation":"column","config_type":"destination","embedding_column":"emb"}'::jsonb,
  'evaluate: column');
select t.ok(not ai._evaluate_destination(ai.destination_table('foo'), 'website', 'blog') ? 'destination',
  'evaluate: shorthand key not kept');
select t.eq((select provolatile::text from pg_proc
             where oid = 'ai._evaluate_destination(jsonb,name,name)'::regprocedure), 's', '_evaluate_destination stable');
select t.raises($$select ai._evaluate_destination('{"implementation":"s3","config_type":"destination"}', 'a', 'b')$$,
  'invalid implementation for destination config', 'bad implementation', 'P0001');
select t.raises($$select ai._evaluate_destination('{"config_type":"destination"}', 'a', 'b')$$,
  'invalid implementation for destination config', 'missing implementation');

-- _validate_destination_can_create_objects
create schema website;
create table website.blog (id int primary key, body text);
create schema "My Schema";
create table "My Schema"."Tab""le" (id int primary key, "Body Text" text);

select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'website', 'blog'));
select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'My Schema', 'Tab"le'));
select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_column('blog'), 'website', 'blog'));

create view website.blog_embedding as select 1 as x;
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'website', 'blog'))$$,
  'an object named website.blog_embedding already exists. specify an alternate destination or view_name explicitly',
  'view collision', '42710');
create table website.blog_embedding_store (x int);
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'website', 'blog'))$$,
  'an object named website.blog_embedding already exists. specify an alternate destination or view_name explicitly',
  'view checked before target', '42710');
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(view_name => 'v2'), 'website', 'blog'))$$,
  'an object named website.blog_embedding_store already exists. specify an alternate destination or target_table explicitly',
  'target collision', '42710');
-- view_schema => 'ai' is ignored, so the view would go to website (free name v3) and the target collides
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(view_schema => 'ai', view_name => 'v3'), 'website', 'blog'))$$,
  'an object named website.blog_embedding_store already exists. specify an alternate destination or target_table explicitly',
  'naming collision with ignored view_schema', '42710');
select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table('fresh'), 'website', 'blog'));
-- any relation kind counts, e.g. a sequence
create sequence website.seq_store;
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table('seq'), 'website', 'blog'))$$,
  'an object named website.seq_store already exists.', 'sequence collides too', '42710');

create table "My Schema"."Tab""le_embedding_store" (x int);
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'My Schema', 'Tab"le'))$$,
  'an object named My Schema.Tab"le_embedding_store already exists. specify an alternate destination or target_table explicitly',
  'hostile target collision', '42710');
create view "My Schema"."Tab""le_embedding" as select 1 as x;
select t.raises($$select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_table(), 'My Schema', 'Tab"le'))$$,
  'an object named My Schema.Tab"le_embedding already exists. specify an alternate destination or view_name explicitly',
  'hostile view collision', '42710');
-- a column destination checks nothing
select ai._validate_destination_can_create_objects(ai._evaluate_destination(ai.destination_column('body'), 'website', 'blog'));
