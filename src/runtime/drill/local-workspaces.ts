// Reservoirs in local folders made readable by a Drill on this machine: the plan's Drill SQL reads
// `plugin`.`<reservoir>`.`<glob>`, so the plugin gets one read-only workspace per reservoir at its
// folder (what `wshed cluster configure` does on EMR for buckets). Other workspaces are kept.

import path from 'node:path';
import type { ArchiveInput } from '../../compiler/plan/types.ts';
import type { DrillClient } from './client.ts';

const RELATION = /^`((?:[^`]|``)+)`\.`((?:[^`]|``)+)`\.`(?:[^`]|``)+`$/;

/** The plugin and workspace of an archive input's Drill relation (`` `plugin`.`workspace`.`glob` ``). */
export function archiveWorkspace(input: ArchiveInput): { plugin: string; workspace: string } | null {
  const m = RELATION.exec(input.relation.drill);
  return m ? { plugin: m[1].replaceAll('``', '`'), workspace: m[2].replaceAll('``', '`') } : null;
}

/**
 * Points the workspaces of the archive inputs on local folders at those folders (absolute, from
 * `cwd`), creating the plugin (a local file system) when absent; changes nothing when all are right.
 */
export async function ensureLocalWorkspaces(client: DrillClient, inputs: readonly ArchiveInput[], cwd: string): Promise<void> {
  const byPlugin = new Map<string, Map<string, string>>();
  for (const input of inputs) {
    if (input.location.kind !== 'local') continue;
    const ws = archiveWorkspace(input);
    if (!ws) continue;
    const wanted = byPlugin.get(ws.plugin) ?? new Map<string, string>();
    wanted.set(ws.workspace, path.resolve(cwd, input.location.path));
    byPlugin.set(ws.plugin, wanted);
  }
  for (const [plugin, wanted] of byPlugin) {
    const current = await client.storagePlugin(plugin);
    const config = current ?? {
      type: 'file',
      enabled: true,
      connection: 'file:///',
      workspaces: {},
      formats: { json: { type: 'json', extensions: ['json'] }, parquet: { type: 'parquet' } },
    };
    const workspaces: Record<string, { location?: unknown }> = { ...((config.workspaces as Record<string, { location?: unknown }>) ?? {}) };
    let changed = current === null;
    for (const [name, location] of wanted) {
      if (workspaces[name]?.location === location) continue;
      workspaces[name] = { location, writable: false, defaultInputFormat: null, allowAccessOutsideWorkspace: false } as { location: string };
      changed = true;
    }
    if (changed) await client.putStoragePlugin(plugin, { ...config, workspaces });
  }
}

/** Removes workspaces from a plugin (what ensureLocalWorkspaces added for folders now gone), keeping the others. */
export async function removeWorkspaces(client: DrillClient, plugin: string, names: readonly string[]): Promise<void> {
  const config = await client.storagePlugin(plugin);
  if (!config) return;
  const workspaces: Record<string, unknown> = { ...((config.workspaces as Record<string, unknown>) ?? {}) };
  if (!names.some((n) => n in workspaces)) return;
  for (const n of names) delete workspaces[n];
  await client.putStoragePlugin(plugin, { ...config, workspaces });
}
