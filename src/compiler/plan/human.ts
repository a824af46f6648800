// Durations as people write them in .wshed files (`24h`, `15m`, `90s`), for messages and plan text.

export function humanDuration(seconds: number): string {
  if (seconds > 0 && seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds > 0 && seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

export function humanBytes(bytes: number): string {
  const MiB = 1024 ** 2;
  if (bytes > 0 && bytes % MiB === 0) return `${bytes / MiB}MiB`;
  if (bytes > 0 && bytes % 1024 === 0) return `${bytes / 1024}KiB`;
  return `${bytes}B`;
}
