/* The SSE parser: line ends, chunking, fields, ssehub's topic line. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SseParser } from '../sse-parser.js';

function parse(chunks) {
  const out = { events: [], comments: [], retry: [] };
  const p = new SseParser({ event: (e) => out.events.push(e),
      comment: (c) => out.comments.push(c),
      retry: (ms) => out.retry.push(ms) });
  for (const c of chunks)
    p.push(c);
  return out;
}

test('LF, CRLF and bare CR, split anywhere', () => {
  const text = 'retry: 2000\n\nid: 1\r\nevent: tick\r\ndata: a\r\n' +
      'data: b\r\n\r\n: heartbeat\r\rid: 2\rdata:c\r\r';
  const whole = parse([text]);
  for (let i = 1; i < text.length; i++)
    assert.deepEqual(parse([text.slice(0, i), text.slice(i)]), whole);
  assert.deepEqual(whole.events, [
      { id: '1', topic: null, type: 'tick', data: 'a\nb' },
      { id: '2', topic: null, type: 'message', data: 'c' }]);
  assert.deepEqual(whole.comments, ['heartbeat']);
  assert.deepEqual(whole.retry, [2000]);
});

test('no data, no event; the id persists', () => {
  const out = parse(['id: 7\nevent: x\n\ndata: y\n\n']);
  assert.deepEqual(out.events,
      [{ id: '7', topic: null, type: 'message', data: 'y' }]);
});

test('the topic line names one event only', () => {
  const out = parse(['id: 8\ntopic: chat\nevent: line\ndata: hi\n\n' +
      'id: 9\ndata: bare\n\n']);
  assert.deepEqual(out.events, [
      { id: '8', topic: 'chat', type: 'line', data: 'hi' },
      { id: '9', topic: null, type: 'message', data: 'bare' }]);
});

test('a bad retry and unknown fields are ignored', () => {
  const out = parse(['retry: soon\nfoo: bar\ndata: x\n\n']);
  assert.deepEqual(out.retry, []);
  assert.equal(out.events.length, 1);
});
