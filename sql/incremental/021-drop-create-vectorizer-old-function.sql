-- Signatures from before loading/parsing existed (chunking carried the column).
drop function if exists ai.create_vectorizer(regclass, name, jsonb, jsonb, jsonb, jsonb, jsonb, jsonb, name, name, name, name, name, name, name[], bool);
drop function if exists ai._validate_chunking(jsonb, name, name);
drop function if exists ai.chunking_character_text_splitter(name, int4, int4, text, bool);
drop function if exists ai.chunking_recursive_character_text_splitter(name, int4, int4, text[], bool);
