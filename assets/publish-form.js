/*
 * Publishes from the page. The token lives only in its field: never
 * stored, never sent anywhere but to /publish. With "sent_at" ticked the
 * data goes as {"text", "sent_at"} so every tab can chart the delivery
 * latency of the event (ticker events carry only whole seconds).
 */
import { Component, h } from './component.js';
import { TOPIC_INPUT_PATTERN } from './ssehub-limits.js';

export class PublishForm extends Component {
  render() {
    const field = (label, input) => h('label', { class: 'field' },
        h('span', null, label), input);
    this.token = h('input', { type: 'password', name: 'token',
        autocomplete: 'off', required: true, minlength: 8,
        maxlength: 128 });
    this.topic = h('input', { name: 'topic', value: 'default',
        pattern: TOPIC_INPUT_PATTERN, required: true,
        spellcheck: 'false' });
    this.type = h('input', { name: 'event', value: 'message',
        maxlength: 64, required: true, spellcheck: 'false' });
    this.data = h('textarea', { name: 'data', rows: 2,
        required: true });
    this.stamp = h('input', { type: 'checkbox', name: 'stamp',
        checked: true });
    this.button = h('button', { type: 'submit' }, 'Publish');
    this.status = h('p', { class: 'form-status', role: 'status' });
    return h('form', { class: 'panel', 'aria-labelledby':
        'publish-title', onsubmit: (e) => this.publish(e) },
        h('h2', { id: 'publish-title' }, 'Publish'),
        field('Token', this.token),
        h('div', { class: 'pair' }, field('Topic', this.topic),
      field('Event type', this.type)),
        field('Data', this.data),
        h('label', { class: 'check' }, this.stamp,
      ' Add sent_at for latency'),
        this.button, this.status);
  }

  update() {
    this.button.disabled = this.state.busy === true;
    this.status.textContent = this.state.message ?? '';
  }

  async publish(e) {
    e.preventDefault();
    const text = this.data.value;
    const body = { topic: this.topic.value, event: this.type.value,
        data: this.stamp.checked ?
        { text, sent_at: Date.now() } : text };
    this.setState({ busy: true, message: 'Publishing…' });
    try {
      const res = await fetch('/publish', { method: 'POST',
          headers: { 'content-type': 'application/json',
          authorization: `Bearer ${this.token.value}` },
          body: JSON.stringify(body) });
      const reply = await res.json().catch(() => ({}));
      this.setState({ message: res.ok ?
          `Published as id ${reply.id}` :
          `Refused (${res.status}): ${reply.error ?? ''}` });
    } catch (err) {
      this.setState({ message: `Not sent: ${err.message}` });
    } finally {
      this.setState({ busy: false });
    }
  }
}
