// Server-sent events: one `job` event (the whole job JSON) per change, coalesced so a stream gets
// at most one event per job every EVENT_INTERVAL_MS plus the last one, and a comment now and then
// so proxies keep the connection open.

import type { IncomingMessage, ServerResponse } from 'node:http';
import { isFinished, type Job } from './jobs.ts';
import type { JobQueue } from './job-queue.ts';

const EVENT_INTERVAL_MS = 100;
const KEEPALIVE_MS = 15_000;

/**
 * Streams changes of one job (`only`) or of all. A single job's stream starts with its state,
 * and ends with an `end` event once the job has finished.
 */
export function streamJobEvents(req: IncomingMessage, res: ServerResponse, queue: JobQueue, only: string | null, onClose: (close: () => void) => () => void): void {
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.write(': watershed pump events\n\n');
  const pending = new Map<string, Job>();
  const lastSent = new Map<string, number>();
  let timer: NodeJS.Timeout | null = null;
  let ended = false;

  const send = (job: Job) => {
    lastSent.set(job.jobId, performance.now());
    res.write(`event: job\nid: ${job.jobId}\ndata: ${JSON.stringify(job)}\n\n`);
    if (only !== null && isFinished(job)) end();
  };
  const flush = () => {
    timer = null;
    for (const job of pending.values()) send(job);
    pending.clear();
  };
  const onJob = (job: Job) => {
    if (ended || (only !== null && job.jobId !== only)) return;
    const since = performance.now() - (lastSent.get(job.jobId) ?? -Infinity);
    // Stage changes go at once; progress waits for the interval.
    if (since >= EVENT_INTERVAL_MS || isFinished(job)) {
      pending.delete(job.jobId);
      send(job);
    } else {
      pending.set(job.jobId, job);
      timer ??= setTimeout(flush, EVENT_INTERVAL_MS - since);
    }
  };
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  const unsubscribe = queue.subscribe(onJob);
  const stopTracking = onClose(() => end());
  function end() {
    if (ended) return;
    ended = true;
    if (timer) clearTimeout(timer);
    clearInterval(keepalive);
    unsubscribe();
    stopTracking();
    if (!res.writableEnded) {
      if (only !== null) res.write('event: end\ndata: {}\n\n');
      res.end();
    }
  }
  // The request's own 'close' comes once its (empty) body is read: the response's marks the client leaving.
  res.on('close', end);
  if (only !== null) send(queue.get(only)!);
  else for (const job of queue.list()) send(job);
}
