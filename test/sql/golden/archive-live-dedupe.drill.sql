WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `l`.`payload_text`
    FROM `reservoirs`.`orders_lake`.`dt=*/hour=*/*.json` AS `t`
    JOIN (
      SELECT `l`.`fqn`, SPLIT_PART(`l`.`columns`[0], '"', 8) AS `shard_id`, SPLIT_PART(`l`.`columns`[0], '"', 12) AS `sequence_number`, SPLIT_PART(SPLIT_PART(SPLIT_PART(`l`.`columns`[0], '"', 15), ':', 2), ',', 1) AS `sub_sequence_number`, SUBSTR(`l`.`columns`[0], STRPOS(`l`.`columns`[0], ',"payload":') + 11, LENGTH(`l`.`columns`[0]) - STRPOS(`l`.`columns`[0], ',"payload":') - 11) AS `payload_text`
      FROM table(`reservoirs`.`orders_lake`.`dt=*/hour=*/*.json`(type => 'text', fieldDelimiter => U&'\0001', quote => U&'\0002', escape => U&'\0002', comment => U&'\0003', extractHeader => false)) AS `l`
    ) AS `l` ON `l`.`fqn` = `t`.`fqn` AND `l`.`shard_id` = `t`.`shard_id` AND `l`.`sequence_number` = `t`.`sequence_number` AND `l`.`sub_sequence_number` = `t`.`sub_sequence_number`
  ),
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `wshed_live_orders_lake` AS `t`
  ),
  `source` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(CONVERT_TO(`t`.`payload`, 'JSON'), 'UTF8') AS `payload`, `t`.`payload_text`, 0 AS `copy_rank`
    FROM `archive` AS `t`
    UNION ALL
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(CONVERT_TO(`t`.`payload`, 'JSON'), 'UTF8') AS `payload`, `t`.`payload_text`, 1 AS `copy_rank`
    FROM `live` AS `t`
  ),
  `deduped` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`, `t`.`payload_text`
    FROM (
      SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`, ROW_NUMBER() OVER (PARTITION BY `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number` ORDER BY `t`.`copy_rank`) AS `rn`
      FROM `source` AS `t`
    ) AS `t`
    WHERE `t`.`rn` = 1
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `deduped` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`
