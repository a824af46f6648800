// One command on the primary node over SSH (as `ssh hadoop@primary CMD`), with standard input
// given and both outputs kept, so a failing `hive -e` shows Hive's own message.

import { RuntimeError } from '../../runtime-error.ts';
import { connectOnce, type TunnelEvent, type TunnelTarget } from './tunnel.ts';

export interface ExecResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export type RemoteExec = (command: string, stdin?: string) => Promise<ExecResult>;

export async function execOnPrimary(target: TunnelTarget, command: string, stdin = '', onEvent?: (e: TunnelEvent) => void): Promise<ExecResult> {
  const client = await connectOnce(target, onEvent);
  try {
    return await new Promise<ExecResult>((resolve, reject) => {
      // The server may accept the connection and still refuse a command (sshd's ForceCommand, a
      // restricted account, a session limit): that is the world's refusal, a coded line, not a crash.
      const refused = (why: string) => reject(new RuntimeError('WS843', { user: target.user, host: target.host, port: target.port, command: command.split(' ')[0], why }));
      client.exec(command, (err, channel) => {
        if (err) return refused(err.message.replace(/^\(SSH\)\s*/, ''));
        channel.on('error', (e: Error) => refused(e.message));
        let stdout = '';
        let stderr = '';
        let code = -1;
        channel.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
        channel.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
        channel.on('exit', (c: number | null) => (code = c ?? -1));
        channel.on('close', () => resolve({ code, stdout, stderr }));
        channel.end(stdin);
      });
    });
  } finally {
    client.end();
  }
}
