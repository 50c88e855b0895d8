-- Chunking builders and ai._validate_chunking (spec 3.3).

-- chunking_none
select t.eq(ai.chunking_none(), '{"implementation":"none","config_type":"chunking"}'::jsonb,
  'chunking_none');

-- character_text_splitter: defaults, each parameter, NULLs stripped
select t.eq(ai.chunking_character_text_splitter(),
  jsonb_build_object('implementation', 'character_text_splitter', 'config_type', 'chunking',
    'chunk_size', 800, 'chunk_overlap', 400, 'separator', E'\n\n', 'is_separator_regex', false),
  'character_text_splitter defaults');
select t.eq(ai.chunking_character_text_splitter(128, 10, E'\n;', true),
  jsonb_build_object('implementation', 'character_text_splitter', 'config_type', 'chunking',
    'chunk_size', 128, 'chunk_overlap', 10, 'separator', E'\n;', 'is_separator_regex', true),
  'character_text_splitter positional');
select t.eq(ai.chunking_character_text_splitter(chunk_size => 256)->'chunk_size', '256'::jsonb,
  'character_text_splitter chunk_size');
select t.eq(ai.chunking_character_text_splitter(chunk_overlap => 0)->'chunk_overlap', '0'::jsonb,
  'character_text_splitter chunk_overlap');
select t.eq(ai.chunking_character_text_splitter(separator => ' ')->>'separator', ' ',
  'character_text_splitter separator');
select t.eq(ai.chunking_character_text_splitter(is_separator_regex => true)->'is_separator_regex',
  'true'::jsonb, 'character_text_splitter is_separator_regex');
select t.eq(ai.chunking_character_text_splitter(chunk_size => null, chunk_overlap => null,
    separator => null, is_separator_regex => null),
  '{"implementation":"character_text_splitter","config_type":"chunking"}'::jsonb,
  'character_text_splitter strips NULLs');
select t.ok(not ai.chunking_character_text_splitter(separator => null) ? 'separator',
  'character_text_splitter separator => null drops the key');

-- recursive_character_text_splitter
select t.eq(ai.chunking_recursive_character_text_splitter(),
  jsonb_build_object('implementation', 'recursive_character_text_splitter', 'config_type', 'chunking',
    'chunk_size', 800, 'chunk_overlap', 400,
    'separators', '["\n\n", "\n", ".", "?", "!", " ", ""]'::jsonb, 'is_separator_regex', false),
  'recursive defaults');
select t.eq(ai.chunking_recursive_character_text_splitter()->'separators',
  jsonb_build_array(E'\n\n', E'\n', '.', '?', '!', ' ', ''), 'recursive default separators are real newlines');
select t.eq(ai.chunking_recursive_character_text_splitter(100, 20, array['a', 'b'], true),
  jsonb_build_object('implementation', 'recursive_character_text_splitter', 'config_type', 'chunking',
    'chunk_size', 100, 'chunk_overlap', 20, 'separators', '["a","b"]'::jsonb, 'is_separator_regex', true),
  'recursive positional');
select t.eq(ai.chunking_recursive_character_text_splitter(separators => array[]::text[])->'separators',
  '[]'::jsonb, 'recursive empty separators');
select t.eq(ai.chunking_recursive_character_text_splitter(chunk_size => 5)->'chunk_size', '5'::jsonb,
  'recursive chunk_size');
select t.eq(ai.chunking_recursive_character_text_splitter(chunk_overlap => 7)->'chunk_overlap', '7'::jsonb,
  'recursive chunk_overlap');
select t.eq(ai.chunking_recursive_character_text_splitter(is_separator_regex => true)->'is_separator_regex',
  'true'::jsonb, 'recursive is_separator_regex');
select t.eq(ai.chunking_recursive_character_text_splitter(chunk_size => null, chunk_overlap => null,
    separators => null, is_separator_regex => null),
  '{"implementation":"recursive_character_text_splitter","config_type":"chunking"}'::jsonb,
  'recursive strips NULLs');

-- volatility
select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'chunking\_%'), 'i',
  'chunking builders are immutable');
select t.eq((select provolatile::text from pg_proc where oid = 'ai._validate_chunking(jsonb)'::regprocedure),
  's', '_validate_chunking is stable');

-- _validate_chunking: valid
select ai._validate_chunking(ai.chunking_none());
select ai._validate_chunking(ai.chunking_character_text_splitter());
select ai._validate_chunking(ai.chunking_recursive_character_text_splitter());
select ai._validate_chunking('{"config_type":"chunking","implementation":"none","chunk_size":-5}');

-- _validate_chunking: errors
select t.raises($$select ai._validate_chunking('[]')$$, 'chunking config is not a jsonb object');
select t.raises($$select ai._validate_chunking('"x"')$$, 'chunking config is not a jsonb object');
select t.raises($$select ai._validate_chunking(null)$$, 'chunking config is not a jsonb object');
select t.raises($$select ai._validate_chunking('{"implementation":"none"}')$$,
  'invalid config_type for chunking config', 'missing config_type');
select t.raises($$select ai._validate_chunking('{"implementation":"none","config_type":"indexing"}')$$,
  'invalid config_type for chunking config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_chunking('{"implementation":"bogus","config_type":"chunking"}')$$,
  'invalid chunking config implementation', 'unknown implementation', 'P0001');
select t.raises($$select ai._validate_chunking('{"config_type":"chunking"}')$$,
  'invalid chunking config implementation', 'missing implementation');
