-- 003_create_best_resolution_views: one resolution per hour, so totals never count the same traffic twice.
--
-- cdn_src_traffic_1h_best: for each (hour, domain), the ONE row of cdn_src_traffic_1h to trust: the
--   resolution that covers most of the hour (covered_s = slots * interval_s; 3600 = complete), the finest on
--   a tie. So a complete 1-minute hour wins over a complete 5-minute hour, but a complete 5-minute hour wins
--   over an hour that holds only 40 of its 60 minutes. Columns: ts, domain, interval_s (the resolution
--   chosen), bits, max_bits, slots, complete.
-- cdn_src_traffic_1d_best: the daily sum of those hours. bits is then free of double counting even on days
--   that mix resolutions; finest_interval_s / coarsest_interval_s = the finest / coarsest resolution that
--   contributed; peak_bps = the highest slot bandwidth (bits / interval_s) of the day at the chosen
--   resolutions; hours / complete_hours = hours with any data / hours completely covered.
-- Plain (not materialized) views: they are computed at query time from the materialized cdn_src_traffic_1h,
-- which is small (one row per hour, domain and resolution). Filter on ts and domain when querying them.
CREATE VIEW IF NOT EXISTS cdn_src_traffic_1h_best AS (
  SELECT ts, domain, interval_s, bits, max_bits, slots, covered_s = 3600 complete
  FROM (
    SELECT ts, domain, interval_s, bits, max_bits, slots, covered_s,
      row_number() OVER (PARTITION BY ts, domain ORDER BY covered_s DESC, interval_s) rank_in_hour
    FROM (SELECT ts, domain, interval_s, bits, max_bits, slots, slots * interval_s covered_s FROM cdn_src_traffic_1h)
  )
  WHERE rank_in_hour = 1
);

CREATE VIEW IF NOT EXISTS cdn_src_traffic_1d_best AS (
  SELECT ts, domain, sum(bits) bits, max(max_bits / interval_s) peak_bps, count() hours,
    sum(CASE WHEN complete THEN 1 ELSE 0 END) complete_hours,
    min(interval_s) finest_interval_s, max(interval_s) coarsest_interval_s
  FROM cdn_src_traffic_1h_best
  SAMPLE BY 1d
);
