WITH
  `archive` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, CONVERT_FROM(`t`.`payload`, 'JSON') AS `payload`, `t`.`payload` AS `payload_text`
    FROM `reservoirs`.`orders_lake`.`dt=*/*.parquet` AS `t`
    WHERE `t`.`dir0` >= 'dt=2026-11-01' AND `t`.`dir0` <= 'dt=2026-11-01'
  ),
  `sliced` AS (
    SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload`, `t`.`payload_text`
    FROM `archive` AS `t`
    WHERE `t`.`arrival_time` >= '2026-11-01T05:00:00.000Z' AND `t`.`arrival_time` < '2026-11-02T00:00:00.000Z'
  )
SELECT `t`.`stream`, `t`.`shard_id`, `t`.`sequence_number`, `t`.`sub_sequence_number`, `t`.`partition_key`, `t`.`arrival_time`, `t`.`payload_text`
FROM `sliced` AS `t`
ORDER BY `t`.`arrival_time`, LPAD(`t`.`sequence_number`, 64, '0'), `t`.`sub_sequence_number`, `t`.`shard_id`
LIMIT 100
