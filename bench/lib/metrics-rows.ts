import type { MetricsResult } from '../scenarios/metrics.js';
import { ms, ratio, type Row } from './table.js';

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

export function metricsRows(r: MetricsResult): Row[] {
  return [
    {
      id: '11',
      measurement: `Resource sampling: one pass over ${r.instances} process groups (${r.procEntries} PIDs in /proc), median`,
      value: ms(r.samplePassMs, 2),
      baselineName: "one bare readdir('/proc')",
      baseline: ms(r.readdirMs, 2),
      comparison: ratio(r.samplePassMs, r.readdirMs),
      target: 'a few ms every 2 s',
      met: r.samplePassMs < 50,
    },
    {
      id: '11',
      measurement: `Resource sampling: the same pass`,
      value: ms(r.samplePassMs, 2),
      baselineName: 'bare open/read/close of every /proc/<pid>/stat',
      baseline: ms(r.bareStatReadsMs, 2),
      comparison: ratio(r.samplePassMs, r.bareStatReadsMs),
      target: '',
      met: null,
    },
    {
      id: '11',
      measurement: `Resource sampling: heap growth over 200 passes of ${r.instances} groups`,
      value: kib(r.heapGrowthBytes),
      baselineName: '',
      baseline: '',
      comparison: '',
      target: 'no growth',
      met: r.heapGrowthBytes < 1024 * 1024,
    },
    {
      id: '11',
      measurement: `Metrics registry render, ${r.instances} instances, in-process (no HTTP), median of 30`,
      value: ms(r.renderMs),
      baselineName: 'GET /api/health/live of the backend below',
      baseline: ms(r.liveMs),
      comparison: ratio(r.renderMs, r.liveMs),
      target: 'milliseconds',
      met: r.renderMs < 50,
    },
    {
      id: '11',
      measurement: `GET /api/metrics with ${r.instances} sampled instances (${kib(r.scrapeBytes)}), median of 20`,
      value: ms(r.scrapeMs),
      baselineName: 'GET /api/health/live, same backend, interleaved',
      baseline: ms(r.liveMs),
      comparison: ratio(r.scrapeMs, r.liveMs),
      target: 'milliseconds',
      met: r.scrapeMs < 100,
    },
  ];
}
