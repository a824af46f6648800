WITH
  archive AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, json(t.payload) AS payload
    FROM wshed_archive_orders_lake AS t
    WHERE t.dt >= '2026-11-01' AND t.dt <= '2026-11-01'
  ),
  sliced AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM archive AS t
    WHERE t.arrival_time >= '2026-11-01T05:00:00.000Z' AND t.arrival_time < '2026-11-02T00:00:00.000Z'
  )
SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
FROM sliced AS t
ORDER BY t.arrival_time, lpad(t.sequence_number, 64, '0'), t.sub_sequence_number, t.shard_id
LIMIT 100
