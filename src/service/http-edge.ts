// The service's HTTP edge against foreign web pages: which Host names it answers (DNS rebinding),
// which Origins may call it (cross-site requests), and the JSON content type of API writes (a page
// can POST text/plain or a form anywhere without asking; it cannot send application/json so).

import { isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';

export interface EdgePolicy {
  /** The address the service listens on, as given (127.0.0.1, ::1, 0.0.0.0, a host's IP…). */
  readonly boundAddress: string;
  /** More names the service answers to (`--allow-host`): `NAME` (any port) or `NAME:PORT`. */
  readonly allowHosts: readonly string[];
}

export interface EdgeRefusal {
  readonly status: number;
  readonly error: string;
}

const LOOPBACK_NAMES = new Set(['localhost', '127.0.0.1', '::1']);
const WILDCARDS = new Set(['0.0.0.0', '::', '']);

/** Whether an address is a loopback one (what `localhost` may stand for). */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase();
  return LOOPBACK_NAMES.has(a) || /^127\.\d+\.\d+\.\d+$/.test(a) || a === '::ffff:127.0.0.1';
}

/**
 * Refuses a request from the wrong place, or null to serve it. Checked before anything else, the
 * token included: a page that rebinds its own name to 127.0.0.1 sends its own name as Host.
 */
export function checkEdge(req: IncomingMessage, policy: EdgePolicy, api: boolean): EdgeRefusal | null {
  const host = req.headers.host;
  // HTTP/1.1 requires Host (node answers 400 without it); HTTP/1.0 clients are not browsers.
  if (host !== undefined && !hostAllowed(host, policy)) {
    return { status: 403, error: `this service does not answer to the name '${host}': use its address, or start it with --allow-host ${splitHost(host)?.name ?? 'NAME'}` };
  }
  const origin = req.headers.origin;
  if (origin !== undefined && !sameOrigin(origin, host)) {
    return { status: 403, error: `requests from another origin (${origin}) are not served: the page of this service is the only one that may call it` };
  }
  if (api && req.method === 'POST' && !isJson(req.headers['content-type'])) {
    return { status: 415, error: `send the request with Content-Type: application/json${req.headers['content-type'] ? ` (not ${req.headers['content-type']})` : ''}` };
  }
  return null;
}

function hostAllowed(header: string, policy: EdgePolicy): boolean {
  const parsed = splitHost(header);
  if (parsed === null) return false;
  const { name, port } = parsed;
  for (const allowed of policy.allowHosts) {
    const a = allowed.toLowerCase().replace(/\.$/, '');
    if (a === name || (port !== null && a === `${name}:${port}`)) return true;
  }
  const bound = policy.boundAddress.toLowerCase();
  if (isLoopback(bound)) return isLoopback(name);
  // An IP address cannot be rebound to another host, so any literal reaching a wildcard listener is ours.
  if (WILDCARDS.has(bound)) return isIP(name) !== 0;
  return name === bound;
}

/** `name` (lower case, no trailing dot, IPv6 without brackets) and port of a Host header, or null when malformed. */
function splitHost(header: string): { name: string; port: string | null } | null {
  const h = header.trim().toLowerCase();
  const m = /^\[([0-9a-f:.]+)\](?::(\d{1,5}))?$/.exec(h) ?? /^([a-z0-9._-]+)(?::(\d{1,5}))?$/.exec(h);
  if (!m) return null;
  return { name: m[1].replace(/\.$/, ''), port: m[2] ?? null };
}

/** The page's own requests carry an Origin naming the very host they were sent to. */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || origin === 'null') return false;
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === new URL(`http://${host}`).host;
}

function isJson(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  return contentType.split(';')[0].trim().toLowerCase() === 'application/json';
}
