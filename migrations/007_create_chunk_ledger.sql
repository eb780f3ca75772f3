-- 007_create_chunk_ledger: what has been archived, one row per chunk fetched and loaded, so that QuestDB (not Redis)
-- is the ledger of the archive (issue 13, docs/PIPELINE.md).
--
-- A backfill asks this table, before spending a call, whether a chunk's rows are already here and were final when
-- fetched; Redis then holds only queued work, and losing it costs no call for anything archived. Why this shape:
-- * ts is the chunk's first slot, chunk_end its end (exclusive): a chunk is (domain, interval_s, ts, chunk_end), the
--   same identity as the pipeline's chunk ids, so all four are the DEDUP key and a re-fetch upserts its own row.
-- * rows: how many slots the API returned for it (0 for an empty chunk: an empty answer is an answer too, and a
--   domain without traffic must not cost a call per chunk on every rerun).
-- * final: false when any slot was still provisional (revised by the API) at fetched_at; only final rows are reused.
-- * PARTITION BY MONTH: a few hundred rows per domain and month; no TTL, like the archive it describes.
CREATE TABLE IF NOT EXISTS cdn_etl_ledger (
  ts TIMESTAMP,
  domain SYMBOL CAPACITY 4096 CACHE,
  interval_s INT,
  chunk_end TIMESTAMP,
  rows LONG,
  final BOOLEAN,
  fetched_at TIMESTAMP
) TIMESTAMP(ts) PARTITION BY MONTH WAL
DEDUP UPSERT KEYS(ts, domain, interval_s, chunk_end);
