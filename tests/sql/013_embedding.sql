-- Embedding builders and ai._validate_embedding (spec 3.5).

-- openai
select t.eq(ai.embedding_openai('text-embedding-3-small', 768),
  '{"implementation":"openai","config_type":"embedding","model":"text-embedding-3-small",
    "dimensions":768,"api_key_name":"OPENAI_API_KEY"}'::jsonb, 'openai defaults');
select t.eq(ai.embedding_openai('m', 3, 'alice', 'MY_KEY', 'http://localhost:1/v1'),
  '{"implementation":"openai","config_type":"embedding","model":"m","dimensions":3,
    "user":"alice","api_key_name":"MY_KEY","base_url":"http://localhost:1/v1"}'::jsonb, 'openai all arguments');
select t.eq(ai.embedding_openai('m', 3, chat_user => 'bob')->>'user', 'bob', 'chat_user stored as "user"');
select t.ok(not ai.embedding_openai('m', 3, chat_user => 'bob') ? 'chat_user', 'no chat_user key');
select t.eq(ai.embedding_openai('m', 3, api_key_name => 'K')->>'api_key_name', 'K', 'openai api_key_name');
select t.eq(ai.embedding_openai('m', 3, base_url => 'http://x')->>'base_url', 'http://x', 'openai base_url');
select t.eq(ai.embedding_openai('m', 3, api_key_name => null),
  '{"implementation":"openai","config_type":"embedding","model":"m","dimensions":3}'::jsonb,
  'openai api_key_name => null stripped');
select t.eq(ai.embedding_openai(null, null),
  '{"implementation":"openai","config_type":"embedding","api_key_name":"OPENAI_API_KEY"}'::jsonb,
  'openai NULL model and dimensions stripped');

-- ollama
select t.eq(ai.embedding_ollama('nomic-embed-text', 768),
  '{"implementation":"ollama","config_type":"embedding","model":"nomic-embed-text","dimensions":768}'::jsonb,
  'ollama defaults (no api_key_name)');
select t.eq(ai.embedding_ollama('m', 4, 'http://ollama:11434', '{"num_ctx":1024}', '10m'),
  '{"implementation":"ollama","config_type":"embedding","model":"m","dimensions":4,
    "base_url":"http://ollama:11434","options":{"num_ctx":1024},"keep_alive":"10m"}'::jsonb,
  'ollama all arguments');
select t.eq(ai.embedding_ollama('m', 4, options => '{"a":[1,2],"b":"x"}')->'options',
  '{"a":[1,2],"b":"x"}'::jsonb, 'ollama options kept as a JSON object');
select t.eq(ai.embedding_ollama('m', 4, keep_alive => '5m')->>'keep_alive', '5m', 'ollama keep_alive');
select t.eq(ai.embedding_ollama('m', 4, base_url => 'http://b')->>'base_url', 'http://b', 'ollama base_url');

-- voyageai
select t.eq(ai.embedding_voyageai('voyage-3-lite', 512),
  '{"implementation":"voyageai","config_type":"embedding","model":"voyage-3-lite","dimensions":512,
    "input_type":"document","api_key_name":"VOYAGE_API_KEY"}'::jsonb, 'voyageai defaults');
select t.eq(ai.embedding_voyageai('m', 2, 'query', 'VK'),
  '{"implementation":"voyageai","config_type":"embedding","model":"m","dimensions":2,
    "input_type":"query","api_key_name":"VK"}'::jsonb, 'voyageai all arguments');
select t.eq(ai.embedding_voyageai('m', 2, input_type => null),
  '{"implementation":"voyageai","config_type":"embedding","model":"m","dimensions":2,
    "api_key_name":"VOYAGE_API_KEY"}'::jsonb, 'voyageai input_type => null drops the key');
select t.eq(ai.embedding_voyageai('m', 2, api_key_name => null)->'api_key_name', null::jsonb,
  'voyageai api_key_name => null stripped');
select t.raises($$select ai.embedding_voyageai('m', 2, input_type => 'search')$$,
  'invalid input_type for voyage ai "search"', 'bad input_type', 'P0001');
select t.raises($$select ai.embedding_voyageai('m', 2, input_type => 'Query')$$,
  'invalid input_type for voyage ai "Query"', 'input_type is case sensitive');

-- litellm
select t.eq(ai.embedding_litellm('cohere/embed-english-v3.0', 1024),
  '{"implementation":"litellm","config_type":"embedding","model":"cohere/embed-english-v3.0","dimensions":1024}'::jsonb,
  'litellm defaults');
select t.eq(ai.embedding_litellm('m', 8, 'COHERE_API_KEY', '{"api_base":"http://x"}'),
  '{"implementation":"litellm","config_type":"embedding","model":"m","dimensions":8,
    "api_key_name":"COHERE_API_KEY","extra_options":{"api_base":"http://x"}}'::jsonb, 'litellm all arguments');
select t.eq(ai.embedding_litellm('m', 8, extra_options => '{}')->'extra_options', '{}'::jsonb,
  'litellm empty extra_options kept');

select t.eq((select string_agg(distinct provolatile::text, '') from pg_proc p
             where p.pronamespace = 'ai'::regnamespace and p.proname like 'embedding\_%'), 'i',
  'embedding builders are immutable');

-- validator
select ai._validate_embedding(ai.embedding_openai('m', 3));
select ai._validate_embedding(ai.embedding_ollama('m', 3));
select ai._validate_embedding(ai.embedding_voyageai('m', 3));
select ai._validate_embedding(ai.embedding_litellm('m', 3));
select ai._validate_embedding('{"implementation":"openai","config_type":"embedding"}'); -- model/dims not checked
select t.raises($$select ai._validate_embedding('[]')$$, 'embedding config is not a jsonb object');
select t.raises($$select ai._validate_embedding(null)$$, 'embedding config is not a jsonb object', 'null');
select t.raises($$select ai._validate_embedding('{"implementation":"openai"}')$$,
  'invalid config_type for embedding config', 'missing config_type');
select t.raises($$select ai._validate_embedding('{"implementation":"openai","config_type":"chunking"}')$$,
  'invalid config_type for embedding config', 'wrong config_type', 'P0001');
select t.raises($$select ai._validate_embedding('{"config_type":"embedding","model":"m"}')$$,
  'embedding implementation not specified', 'no implementation', 'P0001');
select t.raises($$select ai._validate_embedding('{"config_type":"embedding","implementation":"cohere"}')$$,
  'invalid embedding implementation: "cohere"', 'unknown implementation', 'P0001');
