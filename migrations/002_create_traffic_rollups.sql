-- 002_create_traffic_rollups: hourly and daily rollups of cdn_src_traffic, kept up to date by QuestDB.
--
-- cdn_src_traffic_1h and cdn_src_traffic_1d: one row per (bucket start, domain, interval_s) with
--   bits     = sum of the slots' values in the bucket (the traffic of the bucket, at that resolution)
--   max_bits = the largest single slot value in the bucket (peak bandwidth = max_bits / interval_s, bit/s)
--   slots    = how many slots of that resolution are archived in the bucket (complete when
--              slots * interval_s = bucket length in seconds)
-- Why grouped by interval_s as well: the archive holds the SAME time at several resolutions (1-minute rows
-- from a recent backfill next to 5-minute rows fetched earlier, hourly rows from far back). Summing across
-- resolutions would count that traffic two or three times. Each rollup row therefore holds exactly one
-- resolution; the views of 003 pick one resolution per hour ("best") for totals. interval_s is itself the
-- finest (and only) interval that contributed to a row; min(interval_s) over a bucket's rows is the finest
-- resolution archived for that bucket.
-- Grouping columns (domain, interval_s) are DEDUP keys of the base table, as QuestDB requires for an
-- incremental refresh over a DEDUP table: an upserted slot re-computes its bucket, it is never added twice.
-- Refresh is incremental and asynchronous (REFRESH IMMEDIATE, the default): rows loaded into the base table
-- show up here a moment later. No TTL: like the base table, these are kept for good.
CREATE MATERIALIZED VIEW IF NOT EXISTS cdn_src_traffic_1h AS (
  SELECT ts, domain, interval_s, sum(bits) bits, max(bits) max_bits, count() slots
  FROM cdn_src_traffic
  SAMPLE BY 1h
) PARTITION BY MONTH;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdn_src_traffic_1d AS (
  SELECT ts, domain, interval_s, sum(bits) bits, max(bits) max_bits, count() slots
  FROM cdn_src_traffic
  SAMPLE BY 1d
) PARTITION BY YEAR;
