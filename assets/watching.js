/*
 * "N watching": how many streams, over every node, are open on each of
 * this tab's topics (GET /topics, which app.js polls), or on the whole
 * server when the tab takes every topic. A stream of every topic counts
 * in the total only. Text is written only when it changes, so a screen
 * reader hears changes, not every poll.
 *
 * state: {topics} in force in this tab; {snapshot} the last /topics
 * answer, or null when it failed.
 */
import { Component, h } from './component.js';

export class Watching extends Component {
  render() {
    this.text = h('span', null);
    return h('p', { class: 'watching', 'aria-live': 'polite' },
        h('span', { class: 'watching-dot', 'aria-hidden': 'true' }),
        this.text);
  }

  update() {
    const text = this.describe();
    if (this.text.textContent !== text)
      this.text.textContent = text;
  }

  describe() {
    const { topics = [], snapshot } = this.state;
    if (snapshot === undefined)
      return 'Counting watchers…';
    if (snapshot === null)
      return 'Watchers unknown (server unreachable)';
    if (topics.length === 0)
      return `${snapshot.subscribers} watching (all streams)`;
    const count = (t) => snapshot.topics.find((x) => x.topic ===
        t)?.subscribers ?? 0;
    return topics.map((t) => `${count(t)} watching ${t}`)
        .join(' · ');
  }
}
