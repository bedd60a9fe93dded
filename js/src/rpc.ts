// Request/response over anywidget custom messages (see widgets/rpc.py for the protocol).
import type { AnyModel } from "@anywidget/types";

export interface Response<T> {
  result: T;
  buffers: DataView[];
}

interface Pending {
  resolve: (response: Response<unknown>) => void;
  reject: (error: Error) => void;
}

interface ResponseMessage {
  type: "response";
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
  cancelled?: boolean;
}

export class CancelledError extends Error {
  constructor() {
    super("request cancelled");
    this.name = "CancelledError";
  }
}

export class RpcClient {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly onMessage = (msg: unknown, buffers: DataView[]) => this.handle(msg, buffers);

  constructor(private readonly model: AnyModel) {
    model.on("msg:custom", this.onMessage);
  }

  request<T>(method: string, params: object, signal?: AbortSignal): Promise<Response<T>> {
    const id = this.nextId++;
    return new Promise<Response<T>>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      this.pending.set(id, { resolve: resolve as Pending["resolve"], reject });
      signal?.addEventListener(
        "abort",
        () => {
          if (this.pending.delete(id)) {
            this.model.send({ type: "cancel", id });
            reject(new CancelledError());
          }
        },
        { once: true },
      );
      this.model.send({ type: "request", id, method, params });
    });
  }

  dispose(): void {
    this.model.off("msg:custom", this.onMessage);
    for (const pending of this.pending.values()) pending.reject(new CancelledError());
    this.pending.clear();
  }

  private handle(msg: unknown, buffers: DataView[]): void {
    const message = msg as ResponseMessage;
    if (message?.type !== "response") return;
    const pending = this.pending.get(message.id);
    if (!pending) return;
    this.pending.delete(message.id);
    if (message.ok) pending.resolve({ result: message.result, buffers });
    else if (message.cancelled) pending.reject(new CancelledError());
    else pending.reject(new Error(message.error ?? "request failed"));
  }
}
