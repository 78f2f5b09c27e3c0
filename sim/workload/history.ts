/**
 * Records the client history (Contract 3) at the client boundary, as Stateright does: the history
 * never knows the protocol. Each event also goes into the trace as `invoke` / `complete`.
 */
import type { ClientId } from '../../protocols/api.js';
import type { HistoryEvent, HistoryF, HistoryType, HistoryValue } from '../history/types.js';
import type { TraceSink } from '../world/trace.js';

export class HistoryRecorder {
  readonly events: HistoryEvent[] = [];
  ok = 0;
  fail = 0;
  info = 0;
  private readonly trace: TraceSink;

  constructor(trace: TraceSink) {
    this.trace = trace;
  }

  invoke(time: number, client: ClientId, process: number, reqId: number, f: HistoryF, key: string, value: HistoryValue): void {
    this.push({ process, type: 'invoke', f, key, value, time });
    if (this.trace.enabled) this.trace.emit({ t: time, kind: 'invoke', client, process, reqId, f, key, value });
  }

  complete(
    time: number,
    client: ClientId,
    process: number,
    reqId: number,
    type: Exclude<HistoryType, 'invoke'>,
    f: HistoryF,
    key: string,
    value: HistoryValue,
  ): void {
    this.push({ process, type, f, key, value, time });
    if (type === 'ok') this.ok++;
    else if (type === 'fail') this.fail++;
    else this.info++;
    if (this.trace.enabled) this.trace.emit({ t: time, kind: 'complete', client, process, reqId, type, f, key, value });
  }

  private push(event: HistoryEvent): void {
    this.events.push(Object.freeze(event));
  }
}
