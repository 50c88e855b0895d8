drop function if exists ai.vectorizer_queue_pending(int4) cascade;
