// Ctrl-C for long commands (replay, archive, run): the first SIGINT asks the work to stop after
// what is in flight (a batch, a chunk), so checkpoints stay exact and the command can say where it
// stopped and how to go on; a second one quits at once.

export interface Interrupt {
  readonly signal: AbortSignal;
  /** Removes the handler: Ctrl-C kills the process again. */
  dispose(): void;
}

export function onInterrupt(what: string): Interrupt {
  const controller = new AbortController();
  const handler = () => {
    if (controller.signal.aborted) {
      process.stderr.write('\ninterrupted again: quitting now\n');
      process.exit(130);
    }
    process.stderr.write(`\nstopping ${what} after the work in flight… (Ctrl-C again to quit at once)\n`);
    controller.abort(new Error('interrupted (SIGINT)'));
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', handler);
    },
  };
}
