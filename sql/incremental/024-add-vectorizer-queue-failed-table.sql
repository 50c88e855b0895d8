alter table ai.vectorizer add column queue_failed_table name;
