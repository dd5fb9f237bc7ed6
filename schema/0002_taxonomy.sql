-- 0002_taxonomy.sql -- the dispute taxonomy (classes and items, Chinese and
-- English) from schema/taxonomy.tsv, the same file compiled into the agent.
-- migrate.sh runs psql from schema/, so the relative path resolves.
\copy category (code, parent_code, name_zh, name_en, county_level) FROM 'taxonomy.tsv' WITH (FORMAT csv, DELIMITER E'\t', HEADER true, NULL '')
