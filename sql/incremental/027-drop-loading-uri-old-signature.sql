drop function if exists ai.loading_uri(name, int4);
