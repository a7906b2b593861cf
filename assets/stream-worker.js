/*
 * One stream per browser, not per tab: browsers allow six HTTP/1.1
 * connections per origin, so a seventh tab with its own stream would
 * hang. This SharedWorker holds the only connection; tabs attach ports.
 */
import { createHub } from './stream-hub.js';

const hub = createHub();

self.onconnect = (e) => hub.attach(e.ports[0]);
