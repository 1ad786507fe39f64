/** The webview side of the VS Code API, typed with the protocol's messages. */
import {
  isDashboardPersistedState,
  type DashboardPersistedState,
  type WebviewToHostMessage,
} from '../src/protocol/webview';

interface RawVsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare global {
  // Provided by VS Code in webviews (and by a stand-in in the browser test); callable once.
  function acquireVsCodeApi(): RawVsCodeApi;
}

export interface DashboardHost {
  post(message: WebviewToHostMessage): void;
  loadState(): DashboardPersistedState | undefined;
  saveState(state: DashboardPersistedState): void;
}

export function connectToHost(): DashboardHost {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    loadState: () => {
      const s = api.getState();
      return isDashboardPersistedState(s) ? s : undefined;
    },
    saveState: (state) => api.setState(state),
  };
}
