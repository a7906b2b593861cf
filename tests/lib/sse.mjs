// One GET of an event stream on a raw socket, as the chaos and failover
// subscribers open them (each reconnects with its own policy) and the
// integration tests' Stream: the response head first, then the body
// through the dashboard's parser (assets/sse-parser.js, WHATWG rules).

import { SseParser } from '../../assets/sse-parser.js';
import { connect, parseResponse } from './http.mjs';

// headers: sent with the GET (e.g. Last-Event-ID). Options:
//   secure (TLS, any certificate), version ('1.1' or '1.0');
//   read: false leaves the socket unread (a client that never reads).
// Callbacks:
//   opened(status, headers) once the head is in; if it destroys the
//     connection, nothing more is read;
//   event(frame) for each frame ({id, type, data, topic}); comment() and
//     retry(ms) for those lines;
//   text(body) for each chunk of the body, after its frames;
//   closed() once the socket is gone, whoever ended it.
// lastByte: clock() when the last chunk came (or when opened).
export class SseConnection {
  constructor(port, p, headers, {
    event, comment = () => {}, retry = () => {}, text = () => {}, opened = () => {},
    closed = () => {}, clock = Date.now, secure = false, version = '1.1', read = true,
  }) {
    this.clock = clock;
    this.lastByte = clock();
    this.status = null;
    this.head = Buffer.alloc(0);
    this.opened = opened;
    this.text = text;
    this.parser = new SseParser({ event, comment, retry });
    this.sock = connect(port, secure);
    let head = `GET ${p} HTTP/${version}\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n`;
    for (const [k, v] of Object.entries(headers)) head += `${k}: ${v}\r\n`;
    this.sock.write(`${head}\r\n`);
    if (read) this.sock.on('data', (c) => this.onData(c));
    this.sock.on('error', () => {});
    this.sock.on('close', () => closed());
  }

  onData(chunk) {
    this.lastByte = this.clock();
    if (this.status === null) {
      this.head = Buffer.concat([this.head, chunk]);
      const r = parseResponse(this.head);
      if (!r) return;
      this.status = r.status;
      this.opened(r.status, r.headers);
      if (this.sock.destroyed) return;
      chunk = r.body;
    }
    const body = chunk.toString('utf8');
    this.parser.push(body);
    this.text(body);
  }

  pause() { this.sock.pause(); }
  resume() { this.sock.resume(); }
  destroy() { this.sock.destroy(); }
}
