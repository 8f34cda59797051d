import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The sync server's metrics; no per-board labels, so the series count stays bounded. */
export interface SyncMetrics {
  connections: Gauge;
  updatesIn: Counter;
  updatesOut: Counter;
  refused: Counter<'reason'>;
  persistLag: Histogram;
  compactions: Counter;
  remoteReads: Counter;
  remoteBackstop: Counter;
}

/** Registers the sync metrics; `loadedDocs` and `maxLogRows` are read at scrape time. */
export function registerSyncMetrics(
  registry: Registry,
  read: { loadedDocs(): number; maxLogRows(): number },
): SyncMetrics {
  const registers = [registry];
  new Gauge({
    name: 'sync_loaded_docs',
    help: 'Board documents held in memory',
    registers,
    collect() {
      this.set(read.loadedDocs());
    },
  });
  new Gauge({
    name: 'sync_log_rows_max',
    help: 'Largest update log (rows) among the loaded boards',
    registers,
    collect() {
      this.set(read.maxLogRows());
    },
  });
  return {
    connections: new Gauge({ name: 'sync_connections', help: 'Open sync WebSocket connections', registers }),
    updatesIn: new Counter({ name: 'sync_updates_in_total', help: 'Document updates applied', registers }),
    updatesOut: new Counter({
      name: 'sync_updates_out_total',
      help: 'Document update messages sent to clients',
      registers,
    }),
    refused: new Counter({
      name: 'sync_refused_total',
      help: 'Connections closed for a refused message, by reason',
      labelNames: ['reason'],
      registers,
    }),
    persistLag: new Histogram({
      name: 'sync_persist_lag_seconds',
      help: 'Time from applying an update to its commit in board_updates',
      buckets: [0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    compactions: new Counter({ name: 'sync_compactions_total', help: 'Update log compactions', registers }),
    remoteReads: new Counter({
      name: 'sync_remote_reads_total',
      help: 'Reads of rows another node stored (updates that did not arrive whole over the bus)',
      registers,
    }),
    remoteBackstop: new Counter({
      name: 'sync_remote_backstop_total',
      help: 'Updates another node sent at once but did not announce as stored in time, stored here',
      registers,
    }),
  };
}
