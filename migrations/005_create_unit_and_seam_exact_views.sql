-- 005_create_unit_and_seam_exact_views: the value unit setting, the rollups over value, and "best" views that
-- count every slot's traffic exactly once across resolution seams.
--
-- cdn_etl_value_unit: the unit of cdn_src_traffic.value (byte or bit) and bytes_per_value (1 or 0.125), one
--   row per change, the newest (LIMIT -1) in force. `cdn-etl migrate` records CDN_VALUE_UNIT here on its
--   first run and refuses a different one later unless asked to change it (--change-unit). Every view
--   below reads it, so every reader sees the same unit. Not WAL: a change is visible at once.
-- cdn_src_traffic_5m / _1h / _1d: materialized rollups, one row per (bucket, domain, interval_s) with
--   value = sum of the slots' values, max_value = the largest slot, slots = how many slots. Grouped by
--   interval_s too, because the archive holds the same time at several resolutions; (domain, interval_s)
--   are DEDUP keys of the base table, as QuestDB requires for incremental refresh. No TTL.
-- cdn_src_traffic_5m_pick (plain view): per (5-minute bucket, domain) the finest resolution covering it:
--   the five 1-minute slots when all five are archived, else the 5-minute slot, else whatever 1-minute
--   slots there are (a partial bucket); h_value / h_slots carry an hourly slot starting in the bucket.
-- cdn_src_traffic_5m_best: the buckets of the pick that hold traffic at 1- or 5-minute resolution, with
--   bytes, avg_bps (over the covered seconds) and peak_bps (highest slot bandwidth at the chosen resolution).
-- cdn_src_traffic_1h_best: per (hour, domain): the 5-minute picks when they cover the whole hour; else the
--   hourly slot when there is one (an hourly row is used only where nothing finer covers the hour); else
--   the partial finer picks. complete = covered_s = 3600 (covered, whatever the resolution). interval_s /
--   coarsest_interval_s = finest / coarsest resolution that contributed.
-- cdn_src_traffic_1d_best: UTC days summed from cdn_src_traffic_1h_best. For days in another zone, query
--   cdn_src_traffic_1h_best with SAMPLE BY 1d ALIGN TO CALENDAR TIME ZONE '...' (docs/QUERIES.md).
-- The best views are plain views computed at query time from the small materialized rollups (they also join the
-- unit, which a materialized view cannot). Measured: one domain's month of cdn_src_traffic_1h_best takes about
-- 60 ms on a 2-core machine (docs/QUERIES.md). Filter on ts and domain when querying them.
CREATE TABLE IF NOT EXISTS cdn_etl_value_unit (
  unit SYMBOL,
  bytes_per_value DOUBLE,
  set_at TIMESTAMP
) TIMESTAMP(set_at) PARTITION BY NONE BYPASS WAL;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdn_src_traffic_5m AS (
  SELECT ts, domain, interval_s, sum(value) value, max(value) max_value, count() slots
  FROM cdn_src_traffic
  SAMPLE BY 5m
) PARTITION BY DAY;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdn_src_traffic_1h AS (
  SELECT ts, domain, interval_s, sum(value) value, max(value) max_value, count() slots
  FROM cdn_src_traffic
  SAMPLE BY 1h
) PARTITION BY MONTH;

CREATE MATERIALIZED VIEW IF NOT EXISTS cdn_src_traffic_1d AS (
  SELECT ts, domain, interval_s, sum(value) value, max(value) max_value, count() slots
  FROM cdn_src_traffic
  SAMPLE BY 1d
) PARTITION BY YEAR;

CREATE VIEW IF NOT EXISTS cdn_src_traffic_5m_pick AS (
  SELECT ts, domain,
    CASE WHEN m1_slots = 5 THEN 60 WHEN m5_slots > 0 THEN 300 WHEN m1_slots > 0 THEN 60 ELSE null END interval_s,
    CASE WHEN m1_slots = 5 OR m5_slots = 0 THEN m1_value ELSE m5_value END value,
    CASE WHEN m1_slots = 5 OR m5_slots = 0 THEN m1_max / 60 ELSE m5_value / 300 END peak_value_per_s,
    CASE WHEN m1_slots = 5 OR m5_slots = 0 THEN m1_slots ELSE 1L END slots,
    CASE WHEN m1_slots = 5 OR m5_slots = 0 THEN m1_slots * 60 ELSE 300L END covered_s,
    h_value, h_slots
  FROM (
    SELECT ts, domain,
      sum(CASE WHEN interval_s = 60 THEN value ELSE 0.0 END) m1_value,
      sum(CASE WHEN interval_s = 60 THEN slots ELSE 0L END) m1_slots,
      max(CASE WHEN interval_s = 60 THEN max_value END) m1_max,
      sum(CASE WHEN interval_s = 300 THEN value ELSE 0.0 END) m5_value,
      sum(CASE WHEN interval_s = 300 THEN slots ELSE 0L END) m5_slots,
      sum(CASE WHEN interval_s = 3600 THEN value ELSE 0.0 END) h_value,
      sum(CASE WHEN interval_s = 3600 THEN slots ELSE 0L END) h_slots
    FROM cdn_src_traffic_5m
    ORDER BY ts
  ) TIMESTAMP(ts)
);

CREATE VIEW IF NOT EXISTS cdn_src_traffic_5m_best AS (
  SELECT ts, domain, interval_s, value, value * u.bytes_per_value bytes,
    value * u.bytes_per_value * 8 / covered_s avg_bps, peak_value_per_s * u.bytes_per_value * 8 peak_bps,
    slots, covered_s, covered_s = 300 complete
  FROM (SELECT * FROM cdn_src_traffic_5m_pick WHERE covered_s > 0)
  CROSS JOIN (SELECT bytes_per_value FROM cdn_etl_value_unit LIMIT -1) u
);

CREATE VIEW IF NOT EXISTS cdn_src_traffic_1h_best AS (
  SELECT ts, domain, interval_s, coarsest_interval_s, value, value * u.bytes_per_value bytes,
    value * u.bytes_per_value * 8 / covered_s avg_bps, peak_value_per_s * u.bytes_per_value * 8 peak_bps,
    covered_s, covered_s = 3600 complete
  FROM (
    SELECT ts, domain,
      CASE WHEN use_hour THEN 3600 ELSE fine_min END interval_s,
      CASE WHEN use_hour THEN 3600 ELSE fine_max END coarsest_interval_s,
      CASE WHEN use_hour THEN h_value ELSE fine_value END value,
      CASE WHEN use_hour THEN 3600L ELSE fine_covered_s END covered_s,
      CASE WHEN use_hour AND (fine_peak IS NULL OR fine_peak < h_value / 3600) THEN h_value / 3600 ELSE fine_peak END peak_value_per_s
    FROM (
      SELECT ts, domain, fine_covered_s < 3600 AND h_slots > 0 use_hour,
        fine_value, fine_covered_s, fine_peak, fine_min, fine_max, h_value
      FROM (
        SELECT ts, domain, sum(value) fine_value, sum(covered_s) fine_covered_s, max(peak_value_per_s) fine_peak,
          min(interval_s) fine_min, max(interval_s) fine_max, sum(h_value) h_value, sum(h_slots) h_slots
        FROM cdn_src_traffic_5m_pick
        SAMPLE BY 1h
      )
    )
  ) CROSS JOIN (SELECT bytes_per_value FROM cdn_etl_value_unit LIMIT -1) u
);

CREATE VIEW IF NOT EXISTS cdn_src_traffic_1d_best AS (
  SELECT ts, domain, value, bytes, bytes * 8 / covered_s avg_bps, peak_bps, covered_s, covered_s = 86400 complete,
    hours, complete_hours, finest_interval_s, coarsest_interval_s
  FROM (
    SELECT ts, domain, sum(value) value, sum(bytes) bytes, max(peak_bps) peak_bps, sum(covered_s) covered_s,
      count() hours, sum(CASE WHEN complete THEN 1 ELSE 0 END) complete_hours,
      min(interval_s) finest_interval_s, max(coarsest_interval_s) coarsest_interval_s
    FROM cdn_src_traffic_1h_best
    SAMPLE BY 1d
  )
);
