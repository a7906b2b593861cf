/*
 * One stream per browser, not per tab: browsers allow six HTTP/1.1
 * connections per origin, so a seventh tab with its own stream would
 * hang, and every tab's stream would be a subscriber for the server to
 * feed. This SharedWorker holds the only connection; tabs attach ports
 * (ssehub.js names the worker after the server, so one per server).
 */
import { createHub } from './ssehub-hub.js';

const hub = createHub();

self.onconnect = (e) => hub.attach(e.ports[0]);
