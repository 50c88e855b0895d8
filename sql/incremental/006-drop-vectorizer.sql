drop function if exists ai.drop_vectorizer(int4) cascade;
