/*
 * The text/event-stream format (WHATWG HTML, "event stream
 * interpretation"). EventSource would parse it for us but hides comment
 * lines (the client's watchdog counts the server's ": heartbeat"), cannot
 * set headers and cannot be told a connection is dead, so the stream is
 * read with fetch and parsed here. Pure: text in, callbacks out. Lines
 * end at CRLF, LF or a bare CR.
 *
 * One field beyond the standard: "topic: T" (ssehub puts it between "id:"
 * and "event:"). Unlike the id it does not persist: an event without the
 * line has topic null.
 */

const LINE_END = /\r\n|\r|\n/g;

export class SseParser {
  /**
   * @param {{event(ev: {id: string, topic: ?string, type: string,
   *     data: string}): void, comment(text: string): void,
   *     retry(ms: number): void}} on
   */
  constructor(on) {
    this.on = on;
    this.rest = '';		/* a line still waiting for its end */
    this.skipLf = false;	/* a chunk ended in CR: a LF may follow */
    this.lastId = '';	/* persists across events, as in the spec */
    this.type = '';
    this.topic = null;
    this.data = [];
  }

  /** Feeds decoded text; callbacks run for every complete line. */
  push(text) {
    if (this.skipLf && text.startsWith('\n'))
      text = text.slice(1);
    const buf = this.rest + text;
    let start = 0;
    LINE_END.lastIndex = 0;
    for (let m; (m = LINE_END.exec(buf)) !== null; ) {
      this.line(buf.slice(start, m.index));
      start = LINE_END.lastIndex;
    }
    this.skipLf = buf.endsWith('\r');
    this.rest = buf.slice(start);
  }

  line(line) {
    if (line === '')
      return this.dispatch();
    if (line.startsWith(':'))
      return this.on.comment(line.slice(1).trim());

    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' '))
      value = value.slice(1);

    if (field === 'event')
      this.type = value;
    else if (field === 'topic')
      this.topic = value;
    else if (field === 'data')
      this.data.push(value);
    else if (field === 'id' && !value.includes('\0'))
      this.lastId = value;
    else if (field === 'retry' && /^\d+$/.test(value))
      this.on.retry(Number(value));
  }

  /* A blank line ends an event; one without data lines is dropped. */
  dispatch() {
    const { data, type, topic } = this;
    this.data = [];
    this.type = '';
    this.topic = null;
    if (data.length === 0)
      return;
    this.on.event({ id: this.lastId, topic, type: type || 'message',
        data: data.join('\n') });
  }
}
