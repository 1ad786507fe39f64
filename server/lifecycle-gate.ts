/**
 * The LSP lifecycle and parameter rules, enforced on every incoming message before the
 * connection dispatches it (a vscode-jsonrpc MessageStrategy), so no handler has to:
 * - a request before `initialize` is answered with ServerNotInitialized (-32002), and a
 *   notification before it is dropped (exit excepted), as the specification says;
 * - a second `initialize` is refused (InvalidRequest);
 * - after `shutdown`, requests are refused (InvalidRequest);
 * - malformed params (`null`, an array, a position of `"x"`) are InvalidParams (-32602).
 * A refused request is rewritten to REJECTED_METHOD, whose handler (registered by the server)
 * throws the error: the reply then keeps the request's id, through the connection's own path.
 */
import { ErrorCodes, Message, type MessageStrategy, type RequestMessage } from 'vscode-languageserver/node';
import { invalidParamsReason } from './request-params';

export const REJECTED_METHOD = '$/finetuneStudio/rejected';

export interface Rejection {
  code: number;
  message: string;
}

export function isRejection(value: unknown): value is Rejection {
  return typeof value === 'object' && value !== null && typeof (value as Rejection).code === 'number' && typeof (value as Rejection).message === 'string';
}

export class LifecycleGate implements MessageStrategy {
  private initializeReceived = false;
  private shutdownReceived = false;

  /** `onDropped`: told about each notification dropped, so the server can log it. */
  constructor(private readonly onDropped: (method: string, reason: string) => void = () => undefined) {}

  handleMessage(message: Message, next: (message: Message) => void): void {
    if (Message.isRequest(message)) {
      const rejection = this.checkRequest(message);
      next(rejection ? ({ ...message, method: REJECTED_METHOD, params: rejection } as RequestMessage) : message);
      return;
    }
    if (Message.isNotification(message)) {
      const reason = this.checkNotification(message.method, message.params);
      if (reason === undefined) next(message);
      else this.onDropped(message.method, reason);
      return;
    }
    next(message);
  }

  /** The error a request gets instead of its handler's answer, if any. */
  checkRequest(request: Pick<RequestMessage, 'method' | 'params'>): Rejection | undefined {
    const { method, params } = request;
    if (method === REJECTED_METHOD) return { code: ErrorCodes.MethodNotFound, message: `Unhandled method ${method}` };
    if (method === 'initialize') {
      if (this.initializeReceived) return { code: ErrorCodes.InvalidRequest, message: 'initialize was already received; a server is initialized once' };
      const reason = invalidParamsReason(method, params);
      if (reason) return { code: ErrorCodes.InvalidParams, message: reason };
      this.initializeReceived = true;
      return undefined;
    }
    if (!this.initializeReceived) return { code: ErrorCodes.ServerNotInitialized, message: `${method} before initialize: send initialize first` };
    if (this.shutdownReceived) return { code: ErrorCodes.InvalidRequest, message: `${method} after shutdown: the server is shutting down` };
    if (method === 'shutdown') {
      // It takes no params; some clients send `null` for none.
      this.shutdownReceived = true;
      return undefined;
    }
    const reason = invalidParamsReason(method, params);
    return reason ? { code: ErrorCodes.InvalidParams, message: reason } : undefined;
  }

  /** Why a notification is dropped, or undefined to deliver it. */
  checkNotification(method: string, params: unknown): string | undefined {
    if (method === 'exit') return undefined;
    if (!this.initializeReceived) return 'it came before initialize';
    return invalidParamsReason(method, params);
  }
}
