-- views.r: view r
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`r`.`dt=*/hour=*/*.json` AS `t`
  ),
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_r` AS `t`
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

-- views.r: view r_archived
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed`.`r`.`dt=*/hour=*/*.json` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `archive` AS `t`;

-- views.r: view r_live
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`
    FROM `wshed_live_r` AS `t`
  )
SELECT `t`.`stream` AS `_stream`, `t`.`shard_id` AS `_shard_id`, `t`.`sequence_number` AS `_sequence_number`, `t`.`sub_sequence_number` AS `_sub_sequence_number`, `t`.`partition_key` AS `_partition_key`, CAST(REPLACE(REPLACE(`t`.`arrival_time`, 'T', ' '), 'Z', '') AS TIMESTAMP) AS `_arrival_time`, `t`.`payload`
FROM `live` AS `t`;

-- replay.r-to-t
WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `l`.`payload_text`
    FROM `wshed`.`r`.`dt=*/hour=*/*.json` AS `t`
    JOIN (
      SELECT `l`.`fqn`, SPLIT_PART(`l`.`columns`[0], '"', 8) AS `shard_id`, SPLIT_PART(`l`.`columns`[0], '"', 12) AS `sequence_number`, SPLIT_PART(SPLIT_PART(SPLIT_PART(`l`.`columns`[0], '"', 15), ':', 2), ',', 1) AS `sub_sequence_number`, SUBSTR(`l`.`columns`[0], STRPOS(`l`.`columns`[0], ',"payload":') + 11, LENGTH(`l`.`columns`[0]) - STRPOS(`l`.`columns`[0], ',"payload":') - 11) AS `payload_text`
      FROM table(`wshed`.`r`.`dt=*/hour=*/*.json`(type => 'text', fieldDelimiter => U&'\0001', quote => U&'\0002', escape => U&'\0002', comment => U&'\0003', extractHeader => false)) AS `l`
    ) AS `l` ON `l`.`fqn` = `t`.`fqn` AND `l`.`shard_id` = `t`.`shard_id` AND `l`.`sequence_number` = `t`.`sequence_number` AND `l`.`sub_sequence_number` = `t`.`sub_sequence_number`
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `archive` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`;

-- replay.r-to-t-2
WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `wshed_live_r` AS `t`
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `live` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`;
