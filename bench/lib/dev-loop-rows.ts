import type { DevLoopResult } from '../scenarios/dev-loop.js';
import { ms, ratio, type Row } from './table.js';

export function devLoopRows(r: DevLoopResult): Row[] {
  return [
    {
      id: '12',
      measurement: '`npm run dev` from a clean checkout (no dist/) to healthy',
      value: ms(r.cleanStartMs, 0),
      baselineName: '`node dist/main.js` spawn -> ready (the app alone), median of 3',
      baseline: ms(r.builtStartMs, 0),
      comparison: ratio(r.cleanStartMs, r.builtStartMs),
      target: '<= 3000 ms',
      met: r.cleanStartMs <= 3000,
    },
    {
      id: '12',
      measurement: `Save a source file -> reloaded app healthy, median of ${r.saveToHealthyMs.length}`,
      value: ms(r.saveToHealthyMedianMs, 0),
      baselineName: '`node dist/main.js` spawn -> ready (the app alone), median of 3',
      baseline: ms(r.builtStartMs, 0),
      comparison: ratio(r.saveToHealthyMedianMs, r.builtStartMs),
      target: '<= 1500 ms, type errors reported',
      met: r.saveToHealthyMedianMs <= 1500,
    },
  ];
}
