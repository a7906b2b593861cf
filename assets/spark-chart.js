/*
 * A small live line chart on a canvas. Colours come from the page's CSS
 * custom properties, read at each draw, so light and dark both work; the
 * canvas's accessible name carries the numbers the picture shows.
 *
 * props: {title, unit, caption, points (kept), empty (text when none)}
 */
import { Component, h } from './component.js';

export class SparkChart extends Component {
  render() {
    this.value = h('span', { class: 'chart-value' });
    this.canvas = h('canvas', { role: 'img' });
    const el = h('figure', { class: 'chart' },
        h('figcaption', null,
      h('span', { class: 'chart-title' }, this.props.title),
      this.value),
        this.canvas,
        h('p', { class: 'chart-caption' }, this.props.caption));
    new ResizeObserver(() => this.draw()).observe(this.canvas);
    matchMedia('(prefers-color-scheme: dark)')
        .addEventListener('change', () => this.draw());
    return el;
  }

  push(value) {
    const values = [...(this.state.values ?? []), value]
        .slice(-this.props.points);
    this.setState({ values });
  }

  update() {
    const values = this.state.values ?? [];
    const { unit, title, empty } = this.props;
    const last = values.at(-1);
    const max = Math.max(0, ...values);
    this.value.textContent = last === undefined ? empty :
        `${fmt(last)} ${unit}`;
    this.canvas.setAttribute('aria-label', last === undefined ?
        `${title}: ${empty}` : `${title}: latest ${fmt(last)} ` +
        `${unit}, highest ${fmt(max)} ${unit} over the last ` +
        `${values.length} points`);
    this.draw();
  }

  draw() {
    const c = this.canvas;
    const ratio = devicePixelRatio || 1;
    const w = Math.round(c.clientWidth * ratio);
    const hgt = Math.round(c.clientHeight * ratio);
    if (w === 0 || hgt === 0)
      return;
    c.width = w;
    c.height = hgt;

    const css = getComputedStyle(c);
    const ctx = c.getContext('2d');
    const values = this.state.values ?? [];
    const max = Math.max(1, ...values) * 1.15;
    const step = w / Math.max(1, this.props.points - 1);
    const x0 = w - (values.length - 1) * step;
    const y = (v) => hgt - (v / max) * (hgt - 2 * ratio) - ratio;

    ctx.strokeStyle = css.getPropertyValue('--grid');
    ctx.lineWidth = ratio;
    ctx.beginPath();
    ctx.moveTo(0, hgt - ratio / 2);
    ctx.lineTo(w, hgt - ratio / 2);
    ctx.stroke();
    ctx.fillStyle = css.getPropertyValue('--accent');
    if (values.length === 1) {
      ctx.beginPath();
      ctx.arc(w - 3 * ratio, y(values[0]), 2.5 * ratio, 0,
          2 * Math.PI);
      ctx.fill();
      return;
    }

    ctx.beginPath();
    values.forEach((v, i) => ctx.lineTo(x0 + i * step, y(v)));
    ctx.strokeStyle = css.getPropertyValue('--accent');
    ctx.lineWidth = 1.5 * ratio;
    ctx.lineJoin = 'round';
    ctx.stroke();
    ctx.lineTo(w, hgt);
    ctx.lineTo(x0, hgt);
    ctx.fillStyle = css.getPropertyValue('--accent-soft');
    ctx.fill();
  }
}

function fmt(v) {
  return v >= 100 ? Math.round(v).toString() : v.toFixed(v % 1 ? 1 : 0);
}
