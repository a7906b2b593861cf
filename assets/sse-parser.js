/*
 * The text/event-stream format (WHATWG HTML, "event stream
 * interpretation"). EventSource would parse it for us but hides comment
 * lines, and the dashboard counts the server's ": heartbeat" comments,
 * so the stream is read with fetch and parsed here. Pure: text in,
 * callbacks out. Lines end at CRLF, LF or a bare CR.
 */

const LINE_END = /\r\n|\r|\n/g;

export class SseParser {
	/* on: { event({id, type, data}), comment(text), retry(ms) } */
	constructor(on) {
		this.on = on;
		this.rest = '';		/* a line still waiting for its end */
		this.skipLf = false;	/* a chunk ended in CR: a LF may follow */
		this.lastId = '';	/* persists across events, as in the spec */
		this.type = '';
		this.data = [];
	}

	/* Feeds decoded text; callbacks run for every complete line. */
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
		else if (field === 'data')
			this.data.push(value);
		else if (field === 'id' && !value.includes('\0'))
			this.lastId = value;
		else if (field === 'retry' && /^\d+$/.test(value))
			this.on.retry(Number(value));
	}

	/* A blank line ends an event; one without data lines is dropped. */
	dispatch() {
		const { data, type } = this;
		this.data = [];
		this.type = '';
		if (data.length === 0)
			return;
		this.on.event({ id: this.lastId, type: type || 'message',
		    data: data.join('\n') });
	}
}
