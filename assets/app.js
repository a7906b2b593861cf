/*
 * The dashboard: builds the components, lays them out, and routes what
 * the stream reports to them. The stream itself lives in connection.js.
 */
import { connect } from './connection.js';
import { EventFeed } from './event-feed.js';
import { PublishForm } from './publish-form.js';
import { SparkChart } from './spark-chart.js';
import { StatusPanel } from './status-panel.js';
import { TopicPicker } from './topic-picker.js';

const POINTS = 60;

const status = new StatusPanel();
const feed = new EventFeed();
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
const picker = new TopicPicker({ onApply: (t) => conn.setTopics(t) });
const form = new PublishForm();

document.querySelector('#status').append(status.el);
document.querySelector('#charts').append(rate.el, interval.el, latency.el);
document.querySelector('#feed').append(feed.el);
document.querySelector('#controls').append(picker.el, form.el);

let topics = [];
let arrivals = 0;
let lastLive = null;

const conn = connect((msg) => {
	if (msg.type === 'state') {
		topics = msg.state.topics;
		if (msg.state.phase !== 'OPEN')
			lastLive = null;
		status.setState({ ...msg.state, mode: conn.mode });
		picker.setState({ topics });
		feed.setState({ topics });
	} else if (msg.type === 'events') {
		feed.add(msg.events);
		measure(msg.events);
		conn.remember(msg.events.at(-1).id, topics);
	} else if (msg.type === 'notice') {
		feed.note(msg.text);
	}
});

setInterval(() => {
	rate.push(arrivals);
	arrivals = 0;
}, 1000);

/* Replayed events waited out an outage: no measure of delivery. */
function measure(events) {
	arrivals += events.length;
	for (const ev of events.filter((e) => !e.replayed)) {
		if (lastLive !== null)
			interval.push(ev.at - lastLive);
		lastLive = ev.at;
		const sent = sentAt(ev.data);
		if (sent !== null)
			latency.push(Math.max(0, ev.at - sent));
	}
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
