-- views.metrics_history: view metrics_history
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`
    FROM `wshed`.`metrics_history`.`dt=*/*.parquet` AS `t`
  ),
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_metrics_history` AS `t`
  ),
  `source` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(CONVERT_TO(`t`.`payload`, 'JSON'), 'UTF8') AS `payload`, 0 AS `copy_rank`
    FROM `archive` AS `t`
    UNION ALL
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(CONVERT_TO(`t`.`payload`, 'JSON'), 'UTF8') AS `payload`, 1 AS `copy_rank`
    FROM `live` AS `t`
  ),
  `deduped` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`
    FROM (
      SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, ROW_NUMBER() OVER (PARTITION BY `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number` ORDER BY `t`.`copy_rank`) AS `rn`
      FROM `source` AS `t`
    ) AS `t`
    WHERE `t`.`rn` = 1
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `deduped` AS `t`;

-- views.metrics_history: view metrics_history_archived
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`
    FROM `wshed`.`metrics_history`.`dt=*/*.parquet` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `archive` AS `t`;

-- views.metrics_history: view metrics_history_live
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_metrics_history` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `live` AS `t`;

-- replay.backfill
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`, `t`.`payload` AS `payload_text`
    FROM `wshed`.`metrics_history`.`dt=*/*.parquet` AS `t`
    WHERE `t`.`dir0` >= 'dt=2026-10-01' AND `t`.`dir0` <= 'dt=2026-10-07'
  ),
  `sliced` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `archive` AS `t`
    WHERE `t`.`arrival_time` >= '2026-10-01T00:00:00.000Z' AND `t`.`arrival_time` < '2026-10-08T00:00:00.000Z'
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `sliced` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`;
