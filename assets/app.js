/*
 * The dashboard: builds the components, lays them out, and feeds them
 * from one subscription of ssehub's client library (/ssehub.js), which
 * shares one stream among all tabs and resumes where this page was.
 * Each tab picks its own topics; the dashboard keeps them in
 * localStorage, the library keeps the cursor.
 */
import { connect } from './ssehub.js';
import { EventFeed } from './event-feed.js';
import { PublishForm } from './publish-form.js';
import { SparkChart } from './spark-chart.js';
import { StatusPanel } from './status-panel.js';
import { TopicPicker } from './topic-picker.js';
import { Verdicts } from './verdicts.js';
import { Watching } from './watching.js';

const POINTS = 60;
const TOPICS_KEY = 'ssehub.dashboard.topics';
const WATCH_MS = 2000;
const EARLIER_PAGE = 50;

const status = new StatusPanel();
const watching = new Watching();
const feed = new EventFeed({ onEarlier: earlier, cursor: () => sub?.cursor,
    watching: watching.el });
const rate = new SparkChart({ title: 'Events per second', unit: '/s',
    points: POINTS, empty: '—',
    caption: 'Arrivals in this tab, one point a second.' });
const interval = new SparkChart({ title: 'Arrival interval', unit: 'ms',
    points: POINTS, empty: '—',
    caption: 'Between live events. Ticker data has whole seconds ' +
    'only, so its delivery shows here: flat at the tick period is ' +
    'on time.' });
const latency = new SparkChart({ title: 'Delivery latency', unit: 'ms',
    points: POINTS, empty: 'none yet',
    caption: 'Arrival minus sent_at, for live events whose JSON data ' +
    'has one (the publish form adds it); assumes one clock.' });
const picker = new TopicPicker({ onApply: (t) => subscribe(t, false) });
const form = new PublishForm();

document.querySelector('#status').append(status.el);
document.querySelector('#charts').append(rate.el, interval.el, latency.el);
document.querySelector('#feed').append(feed.el);
document.querySelector('#controls').append(picker.el, form.el);

const hub = connect();
let sub = null;
let verdicts = null;
let arrivals = 0;
let lastLive = null;
let down = null;	/* the state that ended the last open stream */
let topicsNow = [];

hub.on('state', (s) => {
  if (s.state !== 'open')
    lastLive = null;
  if (s.state === 'reconnecting' && down === null)
    down = s;
  if (s.state === 'open' && down !== null) {
    const secs = ((Date.now() - down.since) / 1000).toFixed(1);
    feed.note(`Reconnected after ${secs} s, resuming after id ` +
        `${sub?.cursor ?? 'none'}`);
    down = null;
  }
  status.setState(s);
});

hub.on('reset', ({ id, oldest }) => {
  verdicts.reset(id);
  feed.note(`The server reset the cursor: oldest kept id is ${oldest}`);
});

/*
 * Replaces this tab's subscription; [] is every topic. On load it
 * resumes where this page was; a new choice starts from now.
 */
function subscribe(topics, resume) {
  sub?.close();
  verdicts = new Verdicts(topics.length === 0);
  sub = hub.subscribe(topics, receive, { last: 50, resume });
  try {
    localStorage.setItem(TOPICS_KEY, JSON.stringify(topics));
  } catch {
    /* Not kept: the next load starts on every topic. */
  }
  topicsNow = topics;
  picker.setState({ topics });
  feed.setState({ topics });
  watching.setState({ topics });
  status.setState({ lastId: sub.cursor, gaps: 0, disorder: 0 });
  feed.note(topics.length === 0 ? 'Subscribed to all topics' :
      `Subscribed to ${topics.join(', ')}`);
}

function receive(ev) {
  const at = Date.now();
  const row = { ...ev, at, ...verdicts.judge(ev.id) };
  feed.add([row]);
  measure(row);
  status.setState({ lastId: ev.id, gaps: verdicts.gaps,
      disorder: verdicts.disorder });
}

function savedTopics() {
  try {
    const v = JSON.parse(localStorage.getItem(TOPICS_KEY));
    if (Array.isArray(v) && v.every((t) => typeof t === 'string'))
      return v;
  } catch {
    /* Unreadable: every topic. */
  }
  return [];
}

/* A page of this tab's topics' history, newest first, below before. */
async function earlier(before) {
  const q = new URLSearchParams();
  for (const t of topicsNow)
    q.append('topic', t);
  q.set('before', String(before));
  q.set('limit', String(EARLIER_PAGE));
  const res = await fetch(`/events?${q}`, { cache: 'no-store' });
  const body = await res.json();
  if (!res.ok)
    throw new Error(body.error ?? `HTTP ${res.status}`);
  return body;
}

async function countWatchers() {
  try {
    const res = await fetch('/topics', { cache: 'no-store' });
    watching.setState({ snapshot: res.ok ? await res.json() :
        null });
  } catch {
    watching.setState({ snapshot: null });
  }
}

subscribe(savedTopics(), true);
countWatchers();
setInterval(countWatchers, WATCH_MS);

setInterval(() => {
  rate.push(arrivals);
  arrivals = 0;
}, 1000);

/* Replayed events waited out an outage: no measure of delivery. */
function measure(ev) {
  arrivals++;
  if (ev.replayed)
    return;
  if (lastLive !== null)
    interval.push(ev.at - lastLive);
  lastLive = ev.at;
  const sent = sentAt(ev.data);
  if (sent !== null)
    latency.push(Math.max(0, ev.at - sent));
}

function sentAt(data) {
  if (!data.startsWith('{'))
    return null;
  try {
    const v = JSON.parse(data).sent_at;
    return Number.isFinite(v) ? v : null;
  } catch {
    return null;
  }
}
