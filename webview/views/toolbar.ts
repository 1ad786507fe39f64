/** Chart toolbar: TensorBoard's smoothing slider. A native range input: vscode-elements has no slider. */
import { h, setText } from '../dom';

export class ChartToolbar {
  readonly element: HTMLElement;
  private readonly slider: HTMLInputElement;
  private readonly value = h('output', { class: 'smoothing-value', id: 'smoothing-value', for: 'smoothing' });

  constructor(onSmoothing: (value: number) => void) {
    this.slider = h('input', { type: 'range', id: 'smoothing', min: 0, max: 0.99, step: 0.01, 'aria-label': 'Smoothing' });
    this.slider.addEventListener('input', () => onSmoothing(Number(this.slider.value)));
    this.element = h(
      'div',
      { class: 'chart-toolbar' },
      h('h2', {}, 'Metrics'),
      h('label', { class: 'smoothing', for: 'smoothing', title: 'Exponential moving average of the plotted values; raw values stay faint' }, 'Smoothing', this.slider, this.value),
    );
  }

  update(smoothing: number): void {
    if (document.activeElement !== this.slider && Number(this.slider.value) !== smoothing) this.slider.value = String(smoothing);
    setText(this.value, smoothing.toFixed(2));
  }
}
