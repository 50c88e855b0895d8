-- ai.vectorizer_embed (spec 5.9). The provider functions come from the `ai`
-- extension (plpython3u, not installable here). Without it the call fails
-- with SQLSTATE 42883 and a message naming the extension; litellm and
-- unknown implementations are unsupported. The dispatch and the named
-- arguments are then checked against stand-in provider functions with the
-- extension's parameter names (real embedding calls are untested here).
\o /dev/null

create schema website;
create table website.blog (id int primary key, body text not null);
select ai.create_vectorizer('website.blog'::regclass
  , loading => ai.loading_column('body')
  , embedding => ai.embedding_openai('text-embedding-3-small', 3, chat_user => 'bob', api_key_name => 'MY_KEY')
  , scheduling => ai.scheduling_none(), indexing => ai.indexing_none()) as v \gset

-- without the extension -----------------------------------------------------------
select t.raises($$select ai.vectorizer_embed(ai.embedding_openai('m', 3), 'hello')$$,
  'function ai.openai_embed does not exist: ai.vectorizer_embed needs the ai extension', 'openai', '42883');
select t.raises($$select ai.vectorizer_embed(ai.embedding_ollama('m', 3), 'hello')$$,
  'function ai.ollama_embed does not exist: ai.vectorizer_embed needs the ai extension', 'ollama', '42883');
select t.raises($$select ai.vectorizer_embed(ai.embedding_voyageai('m', 3), 'hello', 'document')$$,
  'function ai.voyageai_embed does not exist: ai.vectorizer_embed needs the ai extension', 'voyageai', '42883');
select t.raises(format($$select ai.vectorizer_embed(%s, 'hello')$$, :v),
  'function ai.openai_embed does not exist', 'id form', '42883');
select t.raises($$select ai.vectorizer_embed('website_blog_embedding_store', 'hello')$$,
  'function ai.openai_embed does not exist', 'name form', '42883');
-- unsupported implementations fail the same way with or without the extension
select t.raises($$select ai.vectorizer_embed(ai.embedding_litellm('m', 3), 'hello')$$,
  'unsupported embedding implementation', 'litellm', 'P0001');
select t.raises($$select ai.vectorizer_embed('{}'::jsonb, 'hello')$$, 'unsupported embedding implementation', 'no implementation');
select t.raises($$select ai.vectorizer_embed('{"implementation": "cohere"}'::jsonb, 'hello')$$,
  'unsupported embedding implementation', 'unknown implementation');
-- unknown id / name: NULL (SQL lookups)
select t.eq(ai.vectorizer_embed(4242, 'hello'), null::vector, 'unknown id gives NULL');
select t.eq(ai.vectorizer_embed('nope', 'hello'), null::vector, 'unknown name gives NULL');

-- with stand-ins for the extension's provider functions --------------------------------
create table t.embed_calls (fn text, args jsonb);
create function ai.openai_embed(model text, input_text text, api_key text default null, api_key_name text default null
  , dimensions int default null, openai_user text default null, extra_headers jsonb default null
  , extra_query jsonb default null, verbose boolean default false, client_config jsonb default null)
returns public.vector language sql as $$
  insert into t.embed_calls values ('openai', jsonb_build_object('model', model, 'input_text', input_text,
    'api_key', api_key, 'api_key_name', api_key_name, 'dimensions', dimensions, 'openai_user', openai_user));
  select '[1,2,3]'::public.vector
$$;
create function ai.ollama_embed(model text, input_text text, host text default null, keep_alive text default null
  , embedding_options jsonb default null, verbose boolean default false)
returns public.vector language sql as $$
  insert into t.embed_calls values ('ollama', jsonb_build_object('model', model, 'input_text', input_text,
    'host', host, 'keep_alive', keep_alive, 'embedding_options', embedding_options));
  select '[4,5,6]'::public.vector
$$;
create function ai.voyageai_embed(model text, input_text text, input_type text default null, api_key text default null
  , api_key_name text default null, verbose boolean default false)
returns public.vector language sql as $$
  insert into t.embed_calls values ('voyageai', jsonb_build_object('model', model, 'input_text', input_text,
    'input_type', input_type, 'api_key', api_key, 'api_key_name', api_key_name));
  select '[7,8,9]'::public.vector
$$;

select t.eq(ai.vectorizer_embed(:v, 'hello'), '[1,2,3]'::vector, 'id form returns the provider''s vector');
select t.eq((select args from t.embed_calls where fn = 'openai'),
  '{"model": "text-embedding-3-small", "input_text": "hello", "api_key": null, "api_key_name": "MY_KEY",
    "dimensions": 3, "openai_user": "bob"}'::jsonb, 'openai arguments');
delete from t.embed_calls;
select t.eq(ai.vectorizer_embed('website_blog_embedding_store', 'hi there'), '[1,2,3]'::vector, 'name form');
select t.eq((select args->>'input_text' from t.embed_calls), 'hi there', 'name form passes the text');

select t.eq(ai.vectorizer_embed(ai.embedding_ollama('nomic', 3, base_url => 'http://h:11434',
    options => '{"num_ctx": 8}', keep_alive => '5m'), 'x'), '[4,5,6]'::vector, 'ollama dispatch');
select t.eq((select args from t.embed_calls where fn = 'ollama'),
  '{"model": "nomic", "input_text": "x", "host": "http://h:11434", "keep_alive": "5m",
    "embedding_options": {"num_ctx": 8}}'::jsonb, 'ollama arguments');

select t.eq(ai.vectorizer_embed(ai.embedding_voyageai('voyage-3', 3), 'q'), '[7,8,9]'::vector, 'voyageai dispatch');
select t.eq((select args from t.embed_calls where fn = 'voyageai'),
  '{"model": "voyage-3", "input_text": "q", "input_type": "query", "api_key": null,
    "api_key_name": "VOYAGE_API_KEY"}'::jsonb, 'voyageai: input_type defaults to query');
delete from t.embed_calls;
select ai.vectorizer_embed(ai.embedding_voyageai('voyage-3', 3), 'q', 'document');
select t.eq((select args->>'input_type' from t.embed_calls), 'document', 'voyageai: explicit input_type');
select t.raises($$select ai.vectorizer_embed(ai.embedding_litellm('m', 3), 'hello')$$,
  'unsupported embedding implementation', 'litellm still unsupported with the functions present');
