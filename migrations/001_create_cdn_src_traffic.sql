-- 001_create_cdn_src_traffic: the archive table, the contract every other part of cdn-etl reads and writes.
--
-- One row per (slot start, domain, slot length) of origin-pull traffic as DescribeDomainRealTimeSrcTrafficData
-- returned it. Why this shape:
-- * WAL + DEDUP UPSERT KEYS(ts, domain, interval_s): the loader re-sends batches after failures and the sync
--   re-fetches a trailing window whose newest slots the API revises upward; the last write of a key wins, so
--   loading anything twice leaves one row with the latest value.
-- * interval_s is part of the key: the same instant can be archived at 60, 300 and 3600 s resolution.
-- * bits is DOUBLE: the API's Value (bits per slot per the API's own documentation) stored as returned,
--   exact for whole numbers up to 2^53.
-- * fetched_at: when cdn-etl fetched the value, to tell provisional values from later revisions.
-- * domain SYMBOL CAPACITY 4096: a CDN account holds tens to a few thousand domains; the capacity is only a
--   sizing hint for the symbol map, more distinct values still work.
-- * PARTITION BY DAY and no TTL: the table is the only long-term copy once the API has forgotten a slot.
-- IF NOT EXISTS keeps it idempotent: several test runs and installations share one QuestDB.
CREATE TABLE IF NOT EXISTS cdn_src_traffic (
  ts TIMESTAMP,
  domain SYMBOL CAPACITY 4096 CACHE,
  interval_s INT,
  bits DOUBLE,
  fetched_at TIMESTAMP
) TIMESTAMP(ts) PARTITION BY DAY WAL
DEDUP UPSERT KEYS(ts, domain, interval_s);
