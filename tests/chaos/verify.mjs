// The checks, pure: the subscribers' recordings, the publishers' ledger
// and the table's history in, findings out. Kinds of violation:
//   per stream: duplicated (an id twice), reordered (an id below one
//   received before), missing (a row of its topics between its start
//   cursor and its last id, neither received nor covered by a reset),
//   mismatch (event name or data differ from the row), wrong-topic,
//   phantom (an id above the head), reset-backwards (a reset not above the
//   cursor), reset-uncaused (a reset id above anything ever trimmed),
//   behind (never caught up with its topics at the end);
//   ledger: ack-missing, ack-mismatch, stored-twice, sql-missing,
//   rolled-back-stored, ambiguous-twice, unknown-row;
//   order: http-order / sql-order (a publish acknowledged or committed
//   before another was sent has the lower id), sql-tx-order;
//   table: hole (an id at or below the head, never visible, not trimmed).

const EXAMPLES = 5;

class Findings {
  constructor() {
    this.counts = {};
    this.examples = {};
  }

  add(kind, n, example) {
    if (n === 0) return;
    this.counts[kind] = (this.counts[kind] ?? 0) + n;
    const ex = (this.examples[kind] ??= []);
    // example: a string, or a function making one (only when it is kept).
    if (example && ex.length < EXAMPLES) ex.push(typeof example === 'function' ? example() : example);
  }

  total() {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }
}

const inTopics = (sub, topic) => !sub.topics || sub.topics.includes(topic);

// The last id of the subscriber's topics in the history.
export function lastOfTopics(sub, history) {
  let t = sub.start;
  for (const [id, row] of history.rows) if (id > t && inTopics(sub, row.topic)) t = id;
  return t;
}

function describeFrame(sub, i) {
  const s = sub.streams[i];
  return `frame ${i} on stream ${s} (opened with cursor ${sub.streamCursors[s]})`;
}

// Walks the recording in arrival order.
function walkStream(sub, history, f, st) {
  const firstAt = new Map();   // id -> frame index
  let max = sub.start;
  for (let i = 0; i < sub.ids.length; i++) {
    const id = sub.ids[i];
    const where = () => `${sub.label()}: ${describeFrame(sub, i)}`;
    if (!Number.isSafeInteger(id)) {
      f.add('no-id', 1, `${where()}: no numeric id (event ${sub.types[i]})`);
      continue;
    }
    if (sub.types[i] === 'reset') {
      st.resets++;
      if (id <= max) f.add('reset-backwards', 1, `${where()}: reset to ${id} with cursor ${max}`);
      if (id > history.trimmed) f.add('reset-uncaused', 1, `${where()}: reset to ${id}, never trimmed beyond ${history.trimmed}`);
      if (id > max) st.covered.push([max, id]);
      max = Math.max(max, id);
      continue;
    }
    st.delivered++;
    if (firstAt.has(id)) {
      st.duplicated++;
      f.add('duplicated', 1, `${where()}: id ${id} again, first at ${describeFrame(sub, firstAt.get(id))}`);
    } else if (id < max) {
      st.reordered++;
      f.add('reordered', 1, `${where()}: id ${id} after ${max}`);
    }
    if (!firstAt.has(id)) firstAt.set(id, i);
    checkRow(sub, history, f, st, i, where);
    max = Math.max(max, id);
  }
  st.last = max;
  return firstAt;
}

function checkRow(sub, history, f, st, i, where) {
  const id = sub.ids[i];
  const row = history.rows.get(id);
  if (!row) {
    if (id > history.head) f.add('phantom', 1, `${where()}: id ${id} above the head ${history.head}`);
    else st.unverifiable++;
    return;
  }
  if (!inTopics(sub, row.topic)) f.add('wrong-topic', 1, `${where()}: id ${id} is on ${row.topic}`);
  if (row.event !== sub.types[i] || row.hash !== sub.hashes[i]) {
    st.mismatched++;
    f.add('mismatch', 1, `${where()}: id ${id} event ${sub.types[i]} differs from the row (${row.event}, tag ${row.tag})`);
  }
}

// Rows of its topics in (start, last] neither received nor under a reset,
// grouped into runs (consecutive in the subscriber's own sequence).
function missingRuns(sub, history, firstAt, st) {
  const runs = [];
  let run = null;
  let c = 0;
  for (let id = sub.start + 1; id <= st.last; id++) {
    const row = history.rows.get(id);
    if (!row || !inTopics(sub, row.topic)) continue;
    if (firstAt.has(id)) {
      run = null;
      continue;
    }
    while (c < st.covered.length && st.covered[c][1] < id) c++;
    if (c < st.covered.length && st.covered[c][0] < id) {
      st.underReset++;
      continue;
    }
    st.missing++;
    if (!run) runs.push((run = { from: id, to: id, n: 0, prev: null, next: null }));
    run.to = id;
    run.n++;
  }
  return runs;
}

// Context for a missing run: the ids received around it, and on which
// streams, so a reader can tell a gap inside a stream from one across a
// reconnect.
function describeRun(sub, firstAt, run) {
  let before = null;
  let after = null;
  for (const id of firstAt.keys()) {
    if (id < run.from && (before === null || id > before)) before = id;
    if (id > run.to && (after === null || id < after)) after = id;
  }
  const at = (id) => (id === null ? 'none' : `${id} (${describeFrame(sub, firstAt.get(id))})`);
  return `${sub.label()}: ${run.n} missing in ${run.from}..${run.to}; received before: ${at(before)}; after: ${at(after)}`;
}

export function checkSubscriber(sub, history, f) {
  const st = { label: sub.label(), delivered: 0, resets: 0, duplicated: 0, reordered: 0, missing: 0,
    mismatched: 0, underReset: 0, unverifiable: 0, covered: [], last: sub.start };
  const firstAt = walkStream(sub, history, f, st);
  for (const run of missingRuns(sub, history, firstAt, st)) f.add('missing', run.n, () => describeRun(sub, firstAt, run));
  const t = lastOfTopics(sub, history);
  if (st.last < t) f.add('behind', 1, `${sub.label()}: last id ${st.last}, its topics reach ${t}`);
  delete st.covered;
  return st;
}

function checkHttp(ledger, history, f) {
  for (const e of ledger.http) {
    e.tags.forEach((tag, i) => {
      const id = e.ids[i];
      const row = history.rows.get(id);
      const stored = history.tags.get(tag) ?? [];
      if (stored.length > 1) f.add('stored-twice', stored.length - 1, `${tag} (acknowledged as ${id}) stored as ${stored}`);
      if (row && row.tag !== tag) f.add('ack-mismatch', 1, `${tag} acknowledged as ${id}, which holds ${row.tag}`);
      if (!row && !history.unobserved.has(id)) f.add('ack-missing', 1, `${tag} acknowledged as ${id}, never in the table`);
    });
  }
}

function checkSql(ledger, history, f, totals) {
  for (const tx of ledger.sql) {
    for (const tag of tx.tags) {
      const n = (history.tags.get(tag) ?? []).length;
      if (tx.outcome === 'committed') {
        if (n > 1) f.add('stored-twice', n - 1, `committed ${tag} stored as ${history.tags.get(tag)}`);
        if (n === 0 && history.unobserved.size === 0) f.add('sql-missing', 1, `committed ${tag} (session ${tx.session}) never in the table`);
        if (n === 0 && history.unobserved.size > 0) totals.sqlUnverifiable++;
      } else if (tx.outcome === 'ambiguous') {
        if (n > 1) f.add('ambiguous-twice', n - 1, `${tag} (commit outcome unknown) stored as ${history.tags.get(tag)}`);
        if (n === 1) totals.ambiguousStored++;
      } else if (n > 0) {
        f.add('rolled-back-stored', n, `${tag} (${tx.outcome}) stored as ${history.tags.get(tag)}`);
      }
    }
  }
}

function checkUnknownRows(ledger, history, f) {
  const known = new Set();
  for (const e of [...ledger.http, ...ledger.sql]) e.tags.forEach((t) => known.add(t));
  for (const [id, row] of history.rows) {
    if (!row.tag || !known.has(row.tag)) f.add('unknown-row', 1, `id ${id} (${row.topic}/${row.event}, tag ${row.tag}) was published by nobody in the run`);
  }
}

// Publishes in real-time order: one finished (acknowledged, committed)
// before another was sent must have the lower ids.
// during(t) names the fault in progress at time t, if any.
export function checkOrder(entries, kind, f, during = () => '') {
  const done = [...entries].sort((a, b) => a.doneAt - b.doneAt);
  const sent = [...entries].sort((a, b) => a.sentAt - b.sentAt);
  let p = 0;
  let top = null;
  for (const b of sent) {
    for (; p < done.length && done[p].doneAt < b.sentAt; p++) {
      if (!top || Math.max(...done[p].ids) > Math.max(...top.ids)) top = done[p];
    }
    if (top && Math.min(...b.ids) < Math.max(...top.ids)) {
      f.add(kind, 1, `${b.tags[0]} sent at ${b.sentAt} ms${during(b.sentAt)} got ids ${b.ids}, `
        + `below ${Math.max(...top.ids)} of ${top.tags[0]} done at ${top.doneAt} ms${during(top.doneAt)}`);
    }
  }
}

function sqlEntries(ledger, history, f) {
  const out = [];
  for (const tx of ledger.sql.filter((t) => t.outcome === 'committed')) {
    const ids = tx.tags.map((t) => (history.tags.get(t) ?? [])[0]);
    if (ids.some((id) => id === undefined)) continue;
    for (let i = 1; i < ids.length; i++) {
      if (ids[i] <= ids[i - 1]) f.add('sql-tx-order', 1, `transaction ${tx.tags[0]}: ids ${ids} not in publish order`);
    }
    out.push({ tags: tx.tags, ids, sentAt: tx.commitAt, doneAt: tx.doneAt });
  }
  return out;
}

export function verify({ subs, ledger, history, during }) {
  const f = new Findings();
  const totals = { sqlUnverifiable: 0, ambiguousStored: 0 };
  const perSub = subs.map((s) => checkSubscriber(s, history, f));
  checkHttp(ledger, history, f);
  checkSql(ledger, history, f, totals);
  checkUnknownRows(ledger, history, f);
  checkOrder(ledger.http, 'http-order', f, during);
  checkOrder(sqlEntries(ledger, history, f), 'sql-order', f, during);
  f.add('hole', history.holes.length, `ids never visible, not trimmed: ${history.holes.slice(0, 10)}`);
  return { findings: f, perSub, totals };
}
