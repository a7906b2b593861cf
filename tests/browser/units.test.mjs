/*
 * The page's pure parts, without a browser: the SSE parser and the
 * stream's verdicts (gap, duplicate, out of order, reset).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../../assets/sse-parser.js';
import { Stream } from '../../assets/stream.js';

function parse(chunks) {
	const out = { events: [], comments: [], retry: [] };
	const p = new SseParser({ event: (e) => out.events.push(e),
	    comment: (c) => out.comments.push(c),
	    retry: (ms) => out.retry.push(ms) });
	for (const c of chunks)
		p.push(c);
	return out;
}

test('parser: LF, CRLF and bare CR, split anywhere', () => {
	const text = 'retry: 2000\n\nid: 1\r\nevent: tick\r\ndata: a\r\n' +
	    'data: b\r\n\r\n: heartbeat\r\rid: 2\rdata:c\r\r';
	const whole = parse([text]);
	for (let i = 1; i < text.length; i++)
		assert.deepEqual(parse([text.slice(0, i), text.slice(i)]), whole);
	assert.deepEqual(whole.events, [
	    { id: '1', type: 'tick', data: 'a\nb' },
	    { id: '2', type: 'message', data: 'c' }]);
	assert.deepEqual(whole.comments, ['heartbeat']);
	assert.deepEqual(whole.retry, [2000]);
});

test('parser: no data, no event; the id persists', () => {
	const out = parse(['id: 7\nevent: x\n\ndata: y\n\n']);
	assert.deepEqual(out.events, [{ id: '7', type: 'message', data: 'y' }]);
});

/* Feeds frames ({id, type}) to a stream at lastId; returns verdicts. */
function judge(frames, { topics = [], lastId = 10 } = {}) {
	const s = new Stream(() => {});
	s.topics = topics;
	s.lastId = lastId;
	const batch = [];
	for (const { id, type = 'message' } of frames)
		s.accept({ id: String(id), type, data: '1' }, batch);
	return batch.map((e) => e.flag ?? 'ok');
}

const ids = (...list) => list.map((id) => ({ id }));

test('verdicts on all topics: gap, duplicate, out of order', () => {
	assert.deepEqual(judge(ids(11, 12, 14, 14, 13)),
	    ['ok', 'ok', 'gap', 'duplicate', 'out of order']);
});

test('verdicts with a topic filter: order only', () => {
	assert.deepEqual(judge(ids(11, 15, 15), { topics: ['a'] }),
	    ['ok', 'ok', 'duplicate']);
});

test('a reset frame moves the cursor back without a verdict', () => {
	assert.deepEqual(judge([{ id: 3, type: 'reset' }, ...ids(4, 5)],
	    { lastId: 900 }), ['ok', 'ok']);
});
