-- Live records of Kinesis stream 'orders' via EMR's Kinesis connector.
-- Assumed: the handler exposes only the record data (no shard, sequence number, partition
-- key or arrival time), so the one column holds the record data as JSON text.
CREATE EXTERNAL TABLE IF NOT EXISTS `wshed`.`orders_live` (
  `payload` STRING
)
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\001'
STORED BY 'com.amazon.emr.kinesis.hive.KinesisStorageHandler'
TBLPROPERTIES ('kinesis.stream.name' = 'orders', 'kinesis.endpoint.region' = 'us-east-1');
