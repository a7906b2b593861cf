// The tables `make bench` prints (markdown, for README.md). Each table
// names its columns; `ratio` columns also get, under ssehub's rows,
// ssehub's figure divided by the floor's and by nchan's for the same key
// (the "how close to the floor"): for costs and latencies below
// 1 means ssehub spends or waits less, for rates above 1 that it does more.

const num = (d) => (v) => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(d) : v ?? '-');

const LOAD = [
  { h: 'host CPU %', f: 'busy' },
  { h: 'other CPU %', f: 'other' },
];
const CHECKS = [
  { h: 'delivered/expected', f: 'delivered' },
  { h: 'missing', f: 'missing' }, { h: 'dup', f: 'dup' }, { h: 'reordered', f: 'reordered' },
  { h: 'id missing', f: 'idMissing' }, { h: 'id dup', f: 'idDup' }, { h: 'id reordered', f: 'idReordered' },
];
const LATENCY = [
  { h: 'p50 ms', f: 'p50', fmt: num(1), ratio: true },
  { h: 'p99 ms', f: 'p99', fmt: num(1), ratio: true },
  { h: 'max ms', f: 'max', fmt: num(1), ratio: true },
];
const FANOUT = [
  { h: 'target', f: 'target' }, { h: 'subs', f: 'subs', key: true }, { h: 'connected', f: 'connected' },
  { h: 'published/s', f: 'published', fmt: num(1) }, { h: 'POSTs/s', f: 'posts', fmt: num(1) },
  { h: 'publish p50 ms', f: 'pubP50', fmt: num(1) },
  { h: 'events/s delivered', f: 'deliveredPerS', fmt: num(0), ratio: true },
  ...LATENCY,
  { h: 'CPU us/frame', f: 'cpuUs', fmt: num(2), ratio: true },
  { h: 'server fan-out p99 ms', f: 'foP99' }, { h: 'server fan-out mean ms', f: 'foMean', fmt: num(2) },
  ...CHECKS, ...LOAD,
];

export const TABLES = {
  idle: {
    title: () => 'Idle subscribers',
    note: 'Growth: the server\'s memory with N subscribers minus the idle server\'s, over N. Total: all the ' +
      'server\'s memory with N subscribers, over N (PSS counts pages shared by its processes once). ' +
      'ssehub (make run conf): conf/ssehub.conf as `make run` uses it (a TLS listener too, hence a key ' +
      'manager process), with SSEHUB_STREAMS_PER_IP=0 because the load comes from four addresses.',
    cols: [
      { h: 'target', f: 'target' }, { h: 'subs', f: 'subs', key: true }, { h: 'connected', f: 'connected' },
      { h: 'failed', f: 'failed' }, { h: 'connect ms', f: 'connectMs', fmt: num(1) },
      { h: 'growth RSS KiB/sub', f: 'growthRss', fmt: num(2), ratio: true },
      { h: 'growth PSS KiB/sub', f: 'growthPss', fmt: num(2), ratio: true },
      { h: 'total RSS / N KiB', f: 'totalRss', fmt: num(2), ratio: true },
      { h: 'total PSS / N KiB', f: 'totalPss', fmt: num(2), ratio: true },
      { h: 'server RSS MiB', f: 'rssMb', fmt: num(0) }, { h: 'server PSS MiB', f: 'pssMb', fmt: num(0) },
    ],
  },
  fanout: {
    title: (c) => `Fan-out, ${c.fanoutRate} events/s for ${c.fanoutSecs}s`,
    note: 'Latency: the publisher\'s timestamp to receipt (the floor: the event\'s scheduled time). ' +
      'Server fan-out: ssehub\'s /metrics histogram (an event\'s arrival in a worker to its last socket ' +
      'write), p99 as the bound of its bucket. Ids: the SSE id of each event against the previous one ' +
      '(nchan\'s are not numbers).',
    cols: FANOUT,
  },
  burst: {
    title: (c) => `Bursts: ${c.burstSubs} subscribers, ${c.burstRate} events/s for ${c.burstSecs}s`,
    note: `Batched: /publish arrays of ${'${batch}'} events from one publisher (nchan has no batch publish: ` +
      'single POSTs, one publisher; the floor sends each batch as one write). Concurrent: single-event ' +
      'POSTs from many publishers, whose order is not defined, so the sequence is checked as a set ' +
      '(missing, dup) and the order by id (the floor: one write per event).',
    cols: [{ h: 'target', f: 'target' }, { h: 'row', f: 'row', key: true }, { h: 'publishers', f: 'publishers' },
      { h: 'events/request', f: 'batch' }, ...FANOUT.filter((c) => c.f !== 'subs' && c.f !== 'target')],
  },
  publish: {
    title: (c) => `Publish, keep-alive publishers as fast as they go for ${c.pubSecs}s`,
    note: 'Acked: answered 201 (ssehub: after COMMIT). Server and PostgreSQL CPU per acked event (ssehub).',
    cols: [
      { h: 'target', f: 'target' }, { h: 'publishers', f: 'publishers', key: true },
      { h: 'events/request', f: 'batch', key: true },
      { h: 'acked events/s', f: 'rate', fmt: num(1), ratio: true }, { h: 'acked', f: 'acked' },
      { h: 'errors', f: 'errors' },
      { h: 'req p50 ms', f: 'p50', fmt: num(1), ratio: true }, { h: 'req p99 ms', f: 'p99', fmt: num(1), ratio: true },
      { h: 'server us/event', f: 'serverUs', fmt: num(1), ratio: true }, { h: 'PostgreSQL us/event', f: 'pgUs', fmt: num(1) },
      ...LOAD,
    ],
  },
  storm: {
    title: (c) => `Storm: ${c.stormSubs} subscribers connect within ${c.stormRamp}s, each ${c.stormBehind} events behind`,
    note: 'Caught up: from the first connect until every subscriber has all the events it was behind.',
    cols: [
      { h: 'target', f: 'target' }, { h: 'subs', f: 'subs', key: true }, { h: 'connected', f: 'connected' },
      { h: 'events behind', f: 'behind' }, { h: 'ramp s', f: 'ramp' },
      { h: 'all caught up ms', f: 'allMs', fmt: num(1), ratio: true }, { h: 'caught up', f: 'reached' },
      { h: 'events per sub (min-max)', f: 'range' }, { h: 'server CPU s', f: 'cpuS', fmt: num(1), ratio: true },
      { h: 'missing', f: 'missing' }, { h: 'dup', f: 'dup' }, { h: 'reordered', f: 'reordered' },
      { h: 'id missing', f: 'idMissing' }, { h: 'id dup', f: 'idDup' }, { h: 'id reordered', f: 'idReordered' },
      ...LOAD,
    ],
  },
  xnode: {
    title: (c) => `Cross-node: publish on node A, ${c.xnodeRate} events/s for ${c.xnodeSecs}s, subscribers on ` +
      'node B (same PostgreSQL)',
    note: 'nchan: n/a (its nodes share state only through Redis; not set up).',
    cols: [
      { h: 'target', f: 'target' }, { h: 'subs on B', f: 'subs', key: true }, { h: 'connected', f: 'connected' },
      { h: 'published/s on A', f: 'published', fmt: num(1) }, ...LATENCY, ...CHECKS, ...LOAD,
    ],
  },
  sql: {
    title: (c) => `SQL publishing: BEGIN; SELECT ssehub.publish(...); COMMIT; at ${c.sqlRate}/s for ${c.sqlSecs}s ` +
      '(one psql session)',
    note: 'Latency: the database\'s clock, read in the transaction\'s last statement just before COMMIT, ' +
      'to receipt. nchan: n/a (no SQL publishing).',
    cols: [
      { h: 'target', f: 'target' }, { h: 'subs', f: 'subs', key: true }, { h: 'connected', f: 'connected' },
      { h: 'committed', f: 'committed' }, { h: 'commits/s', f: 'commitsPerS', fmt: num(1) },
      ...LATENCY, ...CHECKS, ...LOAD,
    ],
  },
  nodes: {
    title: (c) => `Nodes: 1, 2 and 4 ssehub nodes (2 workers each) on one PostgreSQL, ${c.nodesSubs} ` +
      `subscribers per node, ${c.nodesRate} events/s for ${c.nodesSecs}s`,
    note: 'PostgreSQL CPU: its postmaster and backends, per published event and per delivered frame; ' +
      'then split by the connections\' kinds: the workers\' log connections (LISTEN: delivering each ' +
      'commit\'s notifications; reading the table when they must), their append connections (the ' +
      'commits), and the rest (postmaster, background writers, ticks, presence, maintenance). ' +
      'DB connections: client backends while the nodes run. Latency: the worst node\'s.',
    cols: [
      { h: 'target', f: 'target' }, { h: 'nodes', f: 'nodes', key: true }, { h: 'workers', f: 'workers' },
      { h: 'DB connections', f: 'dbConns' }, { h: 'published/s', f: 'published', fmt: num(1) },
      { h: 'PostgreSQL us/event', f: 'pgUsPerEvent', fmt: num(1) },
      { h: 'PostgreSQL us/frame', f: 'pgUsPerFrame', fmt: num(2) },
      { h: 'log conns us/event', f: 'pgLogUs', fmt: num(1) },
      { h: 'append conns us/event', f: 'pgAppendUs', fmt: num(1) },
      { h: 'other us/event', f: 'pgOtherUs', fmt: num(1) },
      { h: 'nodes us/frame', f: 'nodeUsPerFrame', fmt: num(2) },
      ...LATENCY, ...CHECKS, ...LOAD,
    ],
  },
};

function cells(cols, row) {
  return `| ${cols.map((c) => String((c.fmt ?? ((v) => v ?? '-'))(row[c.f]))).join(' | ')} |`;
}

// Under each ssehub row: its ratio to the floor's and nchan's rows with
// the same key cells.
function ratioRows(cols, rows, row) {
  const keys = cols.filter((c) => c.key);
  const out = [];
  for (const base of ['floor', 'nchan']) {
    const other = rows.find((r) => r.target === base && keys.every((k) => r[k.f] === row[k.f]));
    if (!other) continue;
    const ratio = {};
    for (const c of cols) {
      if (c.key) ratio[c.f] = row[c.f];
      else if (c.ratio && typeof row[c.f] === 'number' && typeof other[c.f] === 'number' && other[c.f] > 0) {
        ratio[c.f] = `${(row[c.f] / other[c.f]).toFixed(2)}x`;
      } else ratio[c.f] = '';
    }
    ratio.target = `ssehub ÷ ${base}`;
    out.push(`| ${cols.map((c) => (c.f === 'target' ? ratio.target : c.key ? row[c.f] : ratio[c.f])).join(' | ')} |`);
  }
  return out;
}

export function render(name, conf, rows) {
  const t = TABLES[name];
  const cols = t.cols;
  const lines = [`### ${t.title(conf)}`, '', t.note.replace('${batch}', conf.burstBatch), '',
    `| ${cols.map((c) => c.h).join(' | ')} |`,
    `|${cols.map((c, i) => (i === 0 ? '---' : '---:')).join('|')}|`];
  for (const row of rows) {
    lines.push(cells(cols, row));
    if (row.target === 'ssehub') lines.push(...ratioRows(cols, rows, row));
  }
  return `${lines.join('\n')}\n`;
}
