-- 004_rename_bits_to_value: renames cdn_src_traffic.bits to the unit-neutral name value.
--
-- Why: the seed edition of the API page says Value is in bits, the current official reference says bytes.
-- The column keeps the API's number exactly as returned; its unit becomes one explicit installation
-- setting (CDN_VALUE_UNIT, recorded by `cdn-etl migrate` in cdn_etl_value_unit, see 005), so no name in
-- the schema claims a unit. RENAME COLUMN only renames: no row is rewritten, lost or changed.
-- What depends on the old name goes first: the plain views of 003 and the materialized rollups of 002
-- (QuestDB would leave them `invalid` after the rename, with definitions naming a column that no longer
-- exists). 005 creates them again over value, and QuestDB rebuilds the rollups from the base table.
-- Re-running is safe up to the rename, which is the last statement on purpose: a run that stopped before
-- it is repeated from the top without harm.
DROP VIEW IF EXISTS cdn_src_traffic_1d_best;

DROP VIEW IF EXISTS cdn_src_traffic_1h_best;

DROP MATERIALIZED VIEW IF EXISTS cdn_src_traffic_1d;

DROP MATERIALIZED VIEW IF EXISTS cdn_src_traffic_1h;

ALTER TABLE cdn_src_traffic RENAME COLUMN bits TO value;
