/** Dashboard webview entry: loads the components and styles it uses, then starts the app. */
import '@vscode-elements/elements/dist/vscode-button/index.js';
import '@vscode-elements/elements/dist/vscode-checkbox/index.js';
import '@vscode-elements/elements/dist/vscode-progress-bar/index.js';
import '@vscode-elements/elements/dist/vscode-single-select/index.js';
import '@vscode-elements/elements/dist/vscode-option/index.js';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { DashboardApp } from './app';
import { connectToHost } from './vscodeApi';

function start(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('Fine-Tune Studio dashboard: #app is missing');
  const host = connectToHost();
  const app = new DashboardApp(root, host);
  window.addEventListener('message', (event: MessageEvent<unknown>) => app.receive(event.data));
  host.post({ type: 'ready' });
}

start();
