/** Try Model webview entry: styles, the chat app, and the host connection. */
import './chat.css';
import type { TryModelWebviewMessage } from '../../src/protocol/generate';
import { ChatApp } from './app';

function start(): void {
  const root = document.getElementById('app');
  if (!root) throw new Error('Fine-Tune Studio chat: #app is missing');
  const api = acquireVsCodeApi();
  const host = { post: (message: TryModelWebviewMessage) => api.postMessage(message) };
  const app = new ChatApp(root, host);
  window.addEventListener('message', (event: MessageEvent<unknown>) => app.receive(event.data));
  host.post({ type: 'ready' });
}

start();
