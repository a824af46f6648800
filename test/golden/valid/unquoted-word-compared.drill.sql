-- views.lake: view lake
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`lake`.`dt=*/hour=*/*.json` AS `t`
  ),
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_lake` AS `t`
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

-- views.lake: view lake_archived
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`lake`.`dt=*/hour=*/*.json` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `archive` AS `t`;

-- views.lake: view lake_live
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_lake` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `live` AS `t`;

-- replay.lake-to-out
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`lake`.`dt=*/hour=*/*.json` AS `t`
  ),
  `filtered` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `archive` AS `t`
    WHERE CAST(`t`.`payload`.`status` AS VARCHAR(65535)) = CAST(`t`.`payload`.`open` AS VARCHAR(65535)) AND CAST(`t`.`payload`.`total` AS VARCHAR(65535)) > CAST(`t`.`payload`.`limits`.`max` AS VARCHAR(65535)) AND CAST(`t`.`payload`.`kind` AS VARCHAR(65535)) <> CAST(`t`.`payload`.`other_kind` AS VARCHAR(65535))
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
FROM `filtered` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`;
