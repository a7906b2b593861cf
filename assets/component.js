/*
 * A React-like shape without a build step or a library: a component
 * holds state, setState() merges into it and calls update(). render()
 * builds the component's DOM once and update() writes the state into
 * it, so typing, focus and scroll survive updates that arrive many
 * times a second. h() sets text with DOM APIs only: event data can
 * never become markup.
 */

export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === null || value === undefined || value === false)
      continue;
    if (key.startsWith('on'))
      el.addEventListener(key.slice(2), value);
    else if (key === 'class')
      el.className = value;
    else
      el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child !== null && child !== undefined && child !== false)
      el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

export class Component {
  constructor(props = {}, state = {}) {
    this.props = props;
    this.state = state;
    this.el = this.render();
    this.update();
  }

  setState(patch) {
    Object.assign(this.state, patch);
    this.update();
  }

  render() {
    throw new Error('a component must render');
  }

  update() {
    /* Components whose DOM never changes need no update. */
  }
}
