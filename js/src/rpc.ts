// Request/response over anywidget custom messages (see widgets/rpc.py); the messages and
// each method's parameters and result are declared in src/cocowidget/protocol/messages.py.
import type { AnyModel } from "@anywidget/types";
import type { Cancel, GridMethods, Request, Response as ResponseMessage } from "./generated/protocol";

export interface Response<T> {
  result: T;
  buffers: DataView[];
}

interface Pending {
  resolve: (response: Response<unknown>) => void;
  reject: (error: Error) => void;
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

  request<M extends keyof GridMethods>(
    method: M,
    params: GridMethods[M]["params"],
    signal?: AbortSignal,
  ): Promise<Response<GridMethods[M]["result"]>> {
    const id = this.nextId++;
    return new Promise<Response<GridMethods[M]["result"]>>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new CancelledError());
        return;
      }
      this.pending.set(id, { resolve: resolve as Pending["resolve"], reject });
      signal?.addEventListener(
        "abort",
        () => {
          if (this.pending.delete(id)) {
            const cancel: Cancel = { type: "cancel", id };
            this.model.send(cancel);
            reject(new CancelledError());
          }
        },
        { once: true },
      );
      const request: Request = { type: "request", id, method, params: { ...params } };
      this.model.send(request);
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
