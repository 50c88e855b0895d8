alter table ai.vectorizer add column disabled boolean not null default false;
