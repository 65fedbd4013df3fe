/** Token-endpoint counters. Not labelled by client id: made-up ids would make the label set unbounded. */
import client from 'prom-client';
import { registry } from '../metrics/registry.ts';

export const failedClientAuthentications = new client.Counter({
  name: 'ordergraph_oauth_failed_authentications_total',
  help: 'Failed client authentications at the OAuth endpoints',
  registers: [registry],
});

export const clientFailureAlarms = new client.Counter({
  name: 'ordergraph_oauth_client_alarms_total',
  help: 'Times one client id reached the failure alarm threshold from all addresses within a window (the log names the client)',
  registers: [registry],
});
