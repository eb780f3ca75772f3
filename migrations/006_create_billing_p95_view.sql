-- 006_create_billing_p95_view: the billing 95th percentile per domain and month, on Chinese-mainland billing months.
--
-- cdn_src_traffic_p95_month_cn (plain view): one row per (domain, month in Asia/Shanghai, UTC+8, the zone Alibaba
--   Cloud bills Chinese-mainland CDN on). As CDN bandwidth billing computes it: the month's 5-minute bandwidth
--   points (bytes * 8 / 300 of each complete bucket of cdn_src_traffic_5m_best), the highest 5 % dropped
--   (dropped = floor(points_in_month * 5 / 100)), the highest remaining point is p95_bps.
--   points_in_month comes from the month's length, not from the archive: a bucket the archive lacks counts as a
--   point of 0 bit/s (as a bill counts 5 minutes without traffic), so a month with gaps gives a lower bound and
--   says so (points_held < points_in_month). month is the local `yyyy-MM`; month_start its first instant in UTC.
-- For another zone, run the parametrised query of docs/QUERIES.md (p95-monthly) or `cdn-etl report --tz`.
-- Computed at query time over the whole archive: filter on domain (and month_start) when querying it.
CREATE VIEW IF NOT EXISTS cdn_src_traffic_p95_month_cn AS (
  SELECT domain, to_str(month, 'yyyy-MM') month, month_start, points_in_month, points_held,
    points_in_month * 5 / 100 dropped,
    max(CASE WHEN rank_from_top = points_in_month * 5 / 100 + 1 THEN bps ELSE 0.0 END) p95_bps,
    max(bps) peak_bps
  FROM (
    SELECT domain, month, to_utc(month, 'Asia/Shanghai') month_start, bps,
      row_number() OVER (PARTITION BY domain, month ORDER BY bps DESC) rank_from_top,
      count() OVER (PARTITION BY domain, month) points_held,
      datediff('m', to_utc(month, 'Asia/Shanghai'), to_utc(dateadd('M', 1, month), 'Asia/Shanghai')) / 5 points_in_month
    FROM (
      SELECT domain, timestamp_floor('M', to_timezone(ts, 'Asia/Shanghai')) month, bytes * 8 / 300 bps
      FROM cdn_src_traffic_5m_best
      WHERE complete
    )
  )
  GROUP BY domain, month, month_start, points_in_month, points_held
);
