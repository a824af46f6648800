WITH
  archive AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_archive_orders_lake AS t
    WHERE t.dt >= '2026-10-31' AND t.dt <= '2026-11-08'
  ),
  live AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_live.orders_lake AS t
  ),
  source AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload, 0 AS copy_rank
    FROM archive AS t
    UNION ALL
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload, 1 AS copy_rank
    FROM live AS t
  ),
  deduped AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM source AS t
    QUALIFY ROW_NUMBER() OVER (PARTITION BY t.shard_id, t.sequence_number, t.sub_sequence_number ORDER BY t.copy_rank) = 1
  ),
  sliced AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM deduped AS t
    WHERE t.arrival_time >= '2026-11-01T00:00:00.000Z' AND t.arrival_time < '2026-11-08T00:00:00.000Z'
  ),
  compacted AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM sliced AS t
    QUALIFY t.partition_key IS NULL OR ROW_NUMBER() OVER (PARTITION BY t.partition_key ORDER BY t.arrival_time DESC, lpad(t.sequence_number, 64, '0') DESC, t.sub_sequence_number DESC, t.shard_id DESC) = 1
  ),
  filtered AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM compacted AS t
    WHERE json_extract_string(t.payload, '/status') = 'shipped'
  )
SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
FROM filtered AS t
ORDER BY t.arrival_time, lpad(t.sequence_number, 64, '0'), t.sub_sequence_number, t.shard_id
LIMIT 5000
