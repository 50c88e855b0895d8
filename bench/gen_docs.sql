-- Deterministic, varied text of about 1 KB per row for the benchmarks.
-- psql variables: tbl (table to create), rows (how many), first (first id, default 1).
-- Words are drawn log-uniformly from a vocabulary of 5,000 made-up words
-- (a Zipf-like spread: a few very common words, a long tail), 2 to 8 letters,
-- with commas, full stops and a paragraph break every 53 words, so the
-- recursive splitter meets every separator of its default list.
\if :{?first}
\else
  \set first 1
\endif
create table if not exists :"tbl" (id int primary key, body text not null);
insert into :"tbl" (id, body)
select g, string_agg(translate(substr(md5('w' || r.k), 1, 2 + r.k % 7), '0123456789abcdef', 'aeioubcdfghklmnr')
                     || case when i % 53 = 0 then E'.\n\n' when i % 11 = 0 then '.' when i % 7 = 0 then ',' else '' end,
                     ' ' order by i)
from generate_series(:first, :first + :rows - 1) g,
     lateral generate_series(1, 145 + g % 41) i,
     lateral (select floor(power(5000, (hashtext(g || ':' || i)::bigint & 2147483647) / 2147483648.0::float8))::int as k) r
group by g;
