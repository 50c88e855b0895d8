-- ai.processing_default and ai._validate_processing (spec 3.8).

select t.eq(ai.processing_default(), '{"implementation":"default","config_type":"processing"}'::jsonb,
  'processing_default defaults');
select t.eq(ai.processing_default(100, 4),
  '{"implementation":"default","config_type":"processing","batch_size":100,"concurrency":4}'::jsonb,
  'processing_default both arguments');
select t.eq(ai.processing_default(batch_size => 7),
  '{"implementation":"default","config_type":"processing","batch_size":7}'::jsonb, 'batch_size only');
select t.eq(ai.processing_default(concurrency => 3),
  '{"implementation":"default","config_type":"processing","concurrency":3}'::jsonb, 'concurrency only');
select t.eq((select provolatile::text from pg_proc where oid = 'ai.processing_default(int4,int4)'::regprocedure),
  'i', 'builder immutable');

-- valid
select ai._validate_processing(ai.processing_default());
select ai._validate_processing(ai.processing_default(1, 1));
select ai._validate_processing(ai.processing_default(2048, 50));
select ai._validate_processing(ai.processing_default(batch_size => 500));

-- errors
select t.raises($$select ai._validate_processing('[]')$$, 'processing config is not a jsonb object');
select t.raises($$select ai._validate_processing(null)$$, 'processing config is not a jsonb object', 'null');
select t.raises($$select ai._validate_processing('{"implementation":"default"}')$$,
  'invalid config_type for processing config', 'missing config_type');
select t.raises($$select ai._validate_processing('{"implementation":"default","config_type":"x"}')$$,
  'invalid config_type for processing config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_processing('{"config_type":"processing"}')$$,
  'processing implementation not specified', 'no implementation', 'P0001');
select t.raises($$select ai._validate_processing('{"config_type":"processing","implementation":"fast"}')$$,
  'unrecognized processing implementation: "fast"', 'unknown implementation', 'P0001');
select t.raises($$select ai._validate_processing('{"config_type":"processing","implementation":"default","batch_size":"10"}')$$,
  'batch_size must be a number', 'string batch_size', 'P0001');
select t.raises($$select ai._validate_processing('{"config_type":"processing","implementation":"default","batch_size":null}')$$,
  'batch_size must be a number', 'null batch_size');
select t.raises($$select ai._validate_processing(ai.processing_default(batch_size => 2049))$$,
  'batch_size must be less than or equal to 2048', 'batch_size too big', 'P0001');
select t.raises($$select ai._validate_processing(ai.processing_default(batch_size => 0))$$,
  'batch_size must be greater than 0', 'batch_size zero', 'P0001');
select t.raises($$select ai._validate_processing(ai.processing_default(batch_size => -3))$$,
  'batch_size must be greater than 0', 'batch_size negative');
select t.raises($$select ai._validate_processing('{"config_type":"processing","implementation":"default","concurrency":[1]}')$$,
  'concurrency must be a number', 'array concurrency', 'P0001');
select t.raises($$select ai._validate_processing(ai.processing_default(concurrency => 51))$$,
  'concurrency must be less than or equal to 50', 'concurrency too big', 'P0001');
select t.raises($$select ai._validate_processing(ai.processing_default(concurrency => 0))$$,
  'concurrency must be greater than 0', 'concurrency zero', 'P0001');
select t.raises($$select ai._validate_processing(ai.processing_default(batch_size => 10, concurrency => 99))$$,
  'concurrency must be less than or equal to 50', 'valid batch_size, bad concurrency');
