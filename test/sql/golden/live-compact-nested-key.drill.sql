WITH
  `live` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `wshed_live_orders_lake` AS `t`
  ),
  `compacted` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM (
      SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`, ROW_NUMBER() OVER (PARTITION BY CAST(`t`.`payload`.`customer`.`id` AS VARCHAR(65535)) ORDER BY `t`.`arrival_time` DESC, LPAD(`t`.`sequence_number`, 64, '0') DESC, `t`.`sub_sequence_number` DESC, `t`.`shard_id` DESC) AS `rn`
      FROM `live` AS `t`
    ) AS `t`
    WHERE CAST(`t`.`payload`.`customer`.`id` AS VARCHAR(65535)) IS NULL OR `t`.`rn` = 1
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `compacted` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`
