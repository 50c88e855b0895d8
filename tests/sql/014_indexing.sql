-- Indexing builders, ai._resolve_indexing_default and the indexing validators (spec 3.6).

select t.eq(ai.indexing_none(), '{"implementation":"none","config_type":"indexing"}'::jsonb, 'indexing_none');
select t.eq(ai.indexing_default(), '{"implementation":"default","config_type":"indexing"}'::jsonb, 'indexing_default');

-- diskann
select t.eq(ai.indexing_diskann(),
  '{"implementation":"diskann","config_type":"indexing","min_rows":100000,"create_when_queue_empty":true}'::jsonb,
  'indexing_diskann defaults');
select t.eq(ai.indexing_diskann(10, 'plain', 50, 100, 1.2, 768, 2, false),
  '{"implementation":"diskann","config_type":"indexing","min_rows":10,"storage_layout":"plain",
    "num_neighbors":50,"search_list_size":100,"max_alpha":1.2,"num_dimensions":768,
    "num_bits_per_dimension":2,"create_when_queue_empty":false}'::jsonb, 'indexing_diskann all arguments');
select t.eq(ai.indexing_diskann(storage_layout => 'memory_optimized')->>'storage_layout', 'memory_optimized', 'diskann storage_layout');
select t.eq(ai.indexing_diskann(num_neighbors => 7)->'num_neighbors', '7'::jsonb, 'diskann num_neighbors');
select t.eq(ai.indexing_diskann(search_list_size => 9)->'search_list_size', '9'::jsonb, 'diskann search_list_size');
select t.eq(ai.indexing_diskann(max_alpha => 1.5)->'max_alpha', '1.5'::jsonb, 'diskann max_alpha');
select t.eq(ai.indexing_diskann(num_dimensions => 64)->'num_dimensions', '64'::jsonb, 'diskann num_dimensions');
select t.eq(ai.indexing_diskann(num_bits_per_dimension => 1)->'num_bits_per_dimension', '1'::jsonb, 'diskann num_bits_per_dimension');
select t.eq(ai.indexing_diskann(min_rows => 0)->'min_rows', '0'::jsonb, 'diskann min_rows');
select t.eq(ai.indexing_diskann(min_rows => null, create_when_queue_empty => null),
  '{"implementation":"diskann","config_type":"indexing"}'::jsonb, 'indexing_diskann strips NULLs');

-- hnsw
select t.eq(ai.indexing_hnsw(),
  '{"implementation":"hnsw","config_type":"indexing","min_rows":100000,"opclass":"vector_cosine_ops",
    "create_when_queue_empty":true}'::jsonb, 'indexing_hnsw defaults');
select t.eq(ai.indexing_hnsw(5, 'vector_ip_ops', 16, 64, false),
  '{"implementation":"hnsw","config_type":"indexing","min_rows":5,"opclass":"vector_ip_ops",
    "m":16,"ef_construction":64,"create_when_queue_empty":false}'::jsonb, 'indexing_hnsw all arguments');
select t.eq(ai.indexing_hnsw(m => 8)->'m', '8'::jsonb, 'hnsw m');
select t.eq(ai.indexing_hnsw(ef_construction => 32)->'ef_construction', '32'::jsonb, 'hnsw ef_construction');
select t.eq(ai.indexing_hnsw(opclass => null),
  '{"implementation":"hnsw","config_type":"indexing","min_rows":100000,"create_when_queue_empty":true}'::jsonb,
  'indexing_hnsw opclass => null stripped');

select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'indexing\_%'), 'i',
  'indexing builders are immutable');
select t.eq((select provolatile::text from pg_proc where oid = 'ai._resolve_indexing_default()'::regprocedure),
  'v', '_resolve_indexing_default is volatile');

-- resolver and the GUC ai.indexing_default
select t.eq(ai._resolve_indexing_default(), ai.indexing_none(), 'GUC unset -> none');
set ai.indexing_default = 'indexing_diskann';
select t.eq(ai._resolve_indexing_default(), ai.indexing_diskann(), 'GUC indexing_diskann -> diskann defaults');
set ai.indexing_default = 'indexing_hnsw';
select t.eq(ai._resolve_indexing_default(), ai.indexing_hnsw(), 'GUC indexing_hnsw -> hnsw defaults');
set ai.indexing_default = 'indexing_none';
select t.eq(ai._resolve_indexing_default(), ai.indexing_none(), 'GUC indexing_none -> none');
set ai.indexing_default = 'invalid_value';
select t.eq(ai._resolve_indexing_default(), ai.indexing_none(), 'GUC invalid_value -> none');
reset ai.indexing_default;

-- validator: valid
select ai._validate_indexing(ai.indexing_none());
select ai._validate_indexing(ai.indexing_diskann());
select ai._validate_indexing(ai.indexing_diskann(storage_layout => 'plain'));
select ai._validate_indexing(ai.indexing_diskann(storage_layout => 'memory_optimized'));
select ai._validate_indexing(ai.indexing_hnsw());
select ai._validate_indexing(ai.indexing_hnsw(opclass => 'vector_ip_ops'));
select ai._validate_indexing(ai.indexing_hnsw(opclass => 'vector_l1_ops'));
select ai._validate_indexing(ai.indexing_hnsw(opclass => null)); -- kept quirk: passes
select ai._validate_indexing_diskann(ai.indexing_diskann());
select ai._validate_indexing_hnsw(ai.indexing_hnsw());

-- validator: errors
select t.raises($$select ai._validate_indexing('[]')$$, 'indexing config is not a jsonb object');
select t.raises($$select ai._validate_indexing(null)$$, 'indexing config is not a jsonb object', 'null');
select t.raises($$select ai._validate_indexing('{"implementation":"none"}')$$,
  'invalid config_type for indexing config', 'missing config_type');
select t.raises($$select ai._validate_indexing('{"implementation":"none","config_type":"scheduling"}')$$,
  'invalid config_type for indexing config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_indexing('{"config_type":"indexing"}')$$,
  'indexing implementation not specified', 'no implementation', 'P0001');
select t.raises($$select ai._validate_indexing(ai.indexing_default())$$,
  'invalid indexing implementation: "default"', 'default must be resolved first', 'P0001');
select t.raises($$select ai._validate_indexing('{"config_type":"indexing","implementation":"ivfflat"}')$$,
  'invalid indexing implementation: "ivfflat"', 'unknown implementation');
select t.raises($$select ai._validate_indexing(ai.indexing_diskann(storage_layout => 'compact'))$$,
  'invalid storage_layout', 'bad storage_layout', 'P0001');
select t.raises($$select ai._validate_indexing_diskann(ai.indexing_diskann(storage_layout => 'x'))$$,
  'invalid storage_layout', 'direct diskann validator');
select t.raises($$select ai._validate_indexing(ai.indexing_hnsw(opclass => 'vector_l2_ops'))$$,
  'invalid opclass', 'vector_l2_ops rejected (kept quirk)', 'P0001');
select t.raises($$select ai._validate_indexing(ai.indexing_hnsw(opclass => 'bogus'))$$,
  'invalid opclass', 'bad opclass');
select t.raises($$select ai._validate_indexing_hnsw(ai.indexing_hnsw(opclass => 'vector_l2_ops'))$$,
  'invalid opclass', 'direct hnsw validator');
