// The Glue database and table of the record layout that Firehose's format conversion writes
// Parquet against: columns from RECORD_COLUMNS (the layout's one definition; the payload as JSON
// text, as the archiver's Parquet holds it) and the reservoir's partition folders as partition keys.

import {
  CreateDatabaseCommand,
  CreateTableCommand,
  GetDatabaseCommand,
  GetTableCommand,
  UpdateTableCommand,
  type GlueClient,
  type TableInput,
} from '@aws-sdk/client-glue';
import { folder } from '../../compiler/plan/s3-layout.ts';
import { partitionColumns, RECORD_COLUMNS, type ColumnType, type PartitionScheme } from '../../compiler/record-layout.ts';
import { differences, type ResourceChange } from './firehose/changes.ts';
import { errorName } from './firehose/clients.ts';

export interface GlueTableSpec {
  readonly database: string;
  readonly table: string;
  readonly bucket: string;
  readonly prefix: string;
  readonly partition: PartitionScheme;
}

const GLUE_TYPE: Record<ColumnType, string> = { string: 'string', integer: 'bigint', json: 'string' };

export function recordLayoutTable(spec: GlueTableSpec): TableInput {
  return {
    Name: spec.table,
    Description: 'watershed reservoir record layout (src/compiler/record-layout.ts); payload is JSON text',
    TableType: 'EXTERNAL_TABLE',
    Parameters: { classification: 'parquet', 'wshed:managed': 'true' },
    PartitionKeys: partitionColumns(spec.partition).map((name) => ({ Name: name, Type: 'string' })),
    StorageDescriptor: {
      Columns: RECORD_COLUMNS.map((c) => ({ Name: c.name, Type: GLUE_TYPE[c.type], Comment: c.description })),
      Location: `s3://${spec.bucket}/${folder(spec.prefix)}`,
      InputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat',
      OutputFormat: 'org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat',
      SerdeInfo: { SerializationLibrary: 'org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe' },
    },
  };
}

/** With `apply` false nothing is changed: the result says what would be. */
export async function ensureGlueTable(glue: GlueClient, spec: GlueTableSpec, apply = true): Promise<ResourceChange[]> {
  const changes: ResourceChange[] = [];
  const db = await glue.send(new GetDatabaseCommand({ Name: spec.database })).catch((err) => {
    if (errorName(err) === 'EntityNotFoundException') return null;
    throw err;
  });
  if (!db) {
    if (apply) await glue.send(new CreateDatabaseCommand({ DatabaseInput: { Name: spec.database, Description: 'watershed reservoirs written by Firehose as Parquet' } }));
    changes.push({ resource: 'glue-database', name: spec.database, action: 'create', details: [] });
  } else changes.push({ resource: 'glue-database', name: spec.database, action: 'unchanged', details: [] });

  const desired = recordLayoutTable(spec);
  const live = await glue.send(new GetTableCommand({ DatabaseName: spec.database, Name: spec.table })).catch((err) => {
    if (errorName(err) === 'EntityNotFoundException') return null;
    throw err;
  });
  const name = `${spec.database}.${spec.table}`;
  if (!live?.Table) {
    if (apply) await glue.send(new CreateTableCommand({ DatabaseName: spec.database, TableInput: desired }));
    changes.push({ resource: 'glue-table', name, action: 'create', details: [] });
    return changes;
  }
  const t = live.Table;
  const sd = t.StorageDescriptor;
  const d = desired.StorageDescriptor!;
  const details = differences(
    {
      columns: sd?.Columns?.map((c) => `${c.Name} ${c.Type}`),
      partitionKeys: t.PartitionKeys?.map((c) => `${c.Name} ${c.Type}`),
      location: sd?.Location,
      serde: sd?.SerdeInfo?.SerializationLibrary,
    },
    {
      columns: d.Columns!.map((c) => `${c.Name} ${c.Type}`),
      partitionKeys: desired.PartitionKeys!.map((c) => `${c.Name} ${c.Type}`),
      location: d.Location,
      serde: d.SerdeInfo!.SerializationLibrary,
    },
  );
  if (details.length > 0 && apply) await glue.send(new UpdateTableCommand({ DatabaseName: spec.database, TableInput: desired }));
  changes.push({ resource: 'glue-table', name, action: details.length > 0 ? 'update' : 'unchanged', details });
  return changes;
}
