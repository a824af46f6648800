WITH
  live AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_live.orders_lake AS t
  ),
  compacted AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM live AS t
    QUALIFY json_extract_string(t.payload, '/customer/id') IS NULL OR ROW_NUMBER() OVER (PARTITION BY json_extract_string(t.payload, '/customer/id') ORDER BY t.arrival_time DESC, lpad(t.sequence_number, 64, '0') DESC, t.sub_sequence_number DESC, t.shard_id DESC) = 1
  )
SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
FROM compacted AS t
ORDER BY t.arrival_time, lpad(t.sequence_number, 64, '0'), t.sub_sequence_number, t.shard_id
