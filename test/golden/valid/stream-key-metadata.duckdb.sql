-- views.devices_archive: view devices_archive
WITH
  archive AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_archive_devices_archive AS t
  ),
  live AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_live.devices_archive AS t
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
  )
SELECT t.stream AS _stream, t.shard_id AS _shard_id, t.sequence_number AS _sequence_number, t.sub_sequence_number AS _sub_sequence_number, t.partition_key AS _partition_key, CAST(replace(replace(t.arrival_time, 'T', ' '), 'Z', '') AS TIMESTAMP) AS _arrival_time, t.payload
FROM deduped AS t;

-- views.devices_archive: view devices_archive_archived
WITH
  archive AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_archive_devices_archive AS t
  )
SELECT t.stream AS _stream, t.shard_id AS _shard_id, t.sequence_number AS _sequence_number, t.sub_sequence_number AS _sub_sequence_number, t.partition_key AS _partition_key, CAST(replace(replace(t.arrival_time, 'T', ' '), 'Z', '') AS TIMESTAMP) AS _arrival_time, t.payload
FROM archive AS t;

-- views.devices_archive: view devices_archive_live
WITH
  live AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_live.devices_archive AS t
  )
SELECT t.stream AS _stream, t.shard_id AS _shard_id, t.sequence_number AS _sequence_number, t.sub_sequence_number AS _sub_sequence_number, t.partition_key AS _partition_key, CAST(replace(replace(t.arrival_time, 'T', ' '), 'Z', '') AS TIMESTAMP) AS _arrival_time, t.payload
FROM live AS t;

-- replay.devices_archive-to-devices_copy
WITH
  archive AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM wshed_archive_devices_archive AS t
  ),
  compacted AS (
    SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
    FROM archive AS t
    QUALIFY t.partition_key IS NULL OR ROW_NUMBER() OVER (PARTITION BY t.partition_key ORDER BY t.arrival_time DESC, lpad(t.sequence_number, 64, '0') DESC, t.sub_sequence_number DESC, t.shard_id DESC) = 1
  )
SELECT t.stream, t.shard_id, t.sequence_number, t.sub_sequence_number, t.partition_key, t.arrival_time, t.payload
FROM compacted AS t
ORDER BY t.arrival_time, lpad(t.sequence_number, 64, '0'), t.sub_sequence_number, t.shard_id;
