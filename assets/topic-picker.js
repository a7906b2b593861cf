/*
 * Chooses this tab's topics: all, or a list. Every tab has its own
 * subscription; the browser's one stream carries the union of them.
 *
 * props: {onApply(topics)}; state: {topics} in force in this tab.
 */
import { Component, h } from './component.js';
import { TOPIC, TOPICS_MAX } from './ssehub-limits.js';

export class TopicPicker extends Component {
  render() {
    this.all = h('input', { type: 'radio', name: 'scope',
        value: 'all', checked: true });
    this.some = h('input', { type: 'radio', name: 'scope',
        value: 'some' });
    this.names = h('input', { id: 'topic-names', type: 'text',
        placeholder: 'system default', autocomplete: 'off',
        spellcheck: 'false', 'aria-describedby': 'topic-help',
        oninput: () => { this.some.checked = true; } });
    this.status = h('p', { class: 'form-status', role: 'status' });
    return h('form', { class: 'panel', 'aria-labelledby':
        'topics-title', onsubmit: (e) => this.apply(e) },
        h('h2', { id: 'topics-title' }, 'Topics'),
        h('fieldset', { class: 'choices' },
      h('legend', null, 'Subscribe to'),
      h('label', null, this.all, ' All topics'),
      h('label', null, this.some, ' Only these')),
        h('label', { for: 'topic-names' }, 'Topic names'),
        this.names,
        h('p', { id: 'topic-help', class: 'help' },
      'Separate with spaces or commas, up to 16. This ' +
      'tab only: all tabs still share one stream.'),
        h('button', { type: 'submit' }, 'Subscribe'),
        this.status);
  }

  update() {
    const topics = this.state.topics ?? [];
    this.status.textContent = topics.length === 0 ?
        'Now: all topics (gaps can be detected)' :
        `Now: ${topics.join(', ')} (order checked, gaps not)`;
    /* Never overwrite what the person is editing. */
    if (this.el.contains(document.activeElement))
      return;
    this.all.checked = topics.length === 0;
    this.some.checked = topics.length > 0;
    this.names.value = topics.join(' ');
  }

  apply(e) {
    e.preventDefault();
    const topics = this.all.checked ? [] : [...new Set(
        this.names.value.split(/[\s,]+/).filter(Boolean))];
    const bad = topics.find((t) => !TOPIC.test(t));
    if (bad !== undefined) {
      this.status.textContent = `"${bad}" is not a topic ` +
          'name: use letters, digits, ".", "_" or "-"';
    } else if (topics.length > TOPICS_MAX) {
      this.status.textContent = `At most ${TOPICS_MAX} topics`;
    } else if (this.some.checked && topics.length === 0) {
      this.status.textContent = 'Name at least one topic';
    } else {
      this.props.onApply(topics);
    }
  }
}
