-- A vectorizer can be dropped and created again on the same table: with
-- drop_all the same destination name is free again; without it the kept
-- store table blocks the same destination (pgai's collision error) but a new
-- destination works. The new vectorizer's trigger queues into its own queue.
create table blog (id int primary key, title text, body text);
insert into blog values (1, 'a', 'first'), (2, 'b', 'second');

select ai.create_vectorizer('blog'::regclass,
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3),
  destination => ai.destination_table('blog_emb')) as first_id \gset
select t.eq(t.count('ai._vectorizer_q_' || :first_id), 2::bigint, 'existing rows queued');

select ai.drop_vectorizer(:first_id, drop_all => true);
select t.ok(to_regclass('public.blog_emb_store') is null, 'drop_all removed the store');
select t.ok(not exists (select 1 from pg_trigger where tgrelid = 'blog'::regclass and not tgisinternal),
            'triggers gone');

select ai.create_vectorizer('blog'::regclass,
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3),
  destination => ai.destination_table('blog_emb')) as second_id \gset
select t.ok(:second_id > :first_id, 'a new id');
select t.eq((select name from ai.vectorizer where id = :second_id)::text, 'public_blog_emb_store', 'same name again');
select t.eq(t.count('ai._vectorizer_q_' || :second_id), 2::bigint, 'backfill queued again');
insert into blog values (3, 'c', 'third');
select t.eq(t.count('ai._vectorizer_q_' || :second_id), 3::bigint, 'the new trigger queues');
select t.eq((select count(*) from pg_trigger where tgrelid = 'blog'::regclass and not tgisinternal), 2::bigint,
            'one row trigger and one truncate trigger');

-- without drop_all the store stays, so the same destination collides
select ai.drop_vectorizer(:second_id);
select t.ok(to_regclass('public.blog_emb_store') is not null, 'store kept without drop_all');
select t.raises($$select ai.create_vectorizer('blog'::regclass,
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3),
  destination => ai.destination_table('blog_emb'))$$,
  'an object named public.blog_emb already exists', 'kept view blocks the same destination', '42710');
select t.ok(ai.create_vectorizer('blog'::regclass,
  loading => ai.loading_column('body'),
  embedding => ai.embedding_openai('text-embedding-3-small', 3),
  destination => ai.destination_table('blog_emb2')) > :second_id, 'another destination works');
