/**
 * Loaded into the server process with `node --import`, so the server's own code stays
 * untouched: measures its event-loop delay and answers the harness over the IPC channel.
 * Messages: { type: 'eld', id, reset? } → { type: 'eld', id, p50Ms, p99Ms, maxMs }.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';

if (process.send) {
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  process.on('message', (message: { type?: string; id?: number; reset?: boolean }) => {
    if (message?.type !== 'eld') return;
    // The histogram holds whole timer intervals (an idle loop reads ≈ the resolution): the delay is the excess.
    const ms = (ns: number) => (Number.isFinite(ns) ? Math.max(0, ns / 1e6 - RESOLUTION_MS) : 0);
    process.send?.({ type: 'eld', id: message.id, p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) });
    if (message.reset) histogram.reset();
  });
  // Listening must not keep the server alive once it decides to exit.
  process.channel?.unref();
}
