-- views.orders_archive: view orders_archive
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`orders_archive`.`dt=*/hour=*/*.json` AS `t`
  ),
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_orders_archive` AS `t`
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

-- views.orders_archive: view orders_archive_archived
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`orders_archive`.`dt=*/hour=*/*.json` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `archive` AS `t`;

-- views.orders_archive: view orders_archive_live
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_orders_archive` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `live` AS `t`;

-- replay.mirror
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `wshed_live_orders_archive` AS `t`
  ),
  `filtered` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `live` AS `t`
    WHERE CAST(`t`.`payload`.`status` AS VARCHAR(65535)) <> 'test'
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `filtered` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`;
