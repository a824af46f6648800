-- The whole Kinesis stream 'orders' as Hive sees it: record data only, no metadata, no de-duplication.
CREATE OR REPLACE VIEW `wshed`.`wshed_views`.`orders_stream` AS
SELECT CONVERT_FROM(t.`payload`, 'JSON') AS `payload`
FROM `hive`.`wshed`.`orders_live` AS t;
