import type { OutputFloodResult } from '../scenarios/output-flood.js';
import { ms, percent, type Row } from './table.js';

const mbps = (n: number) => `${(n / 1e6).toFixed(0)} MB/s`;

export function outputFloodRows(r: OutputFloodResult): Row[] {
  return [
    {
      id: '13',
      measurement: `Backend CPU while one child runs \`yes\` (log writer: ${r.writerCpuPercent.toFixed(0)} % of a core)`,
      value: `${r.backendCpuPercent.toFixed(1)} % of a core`,
      baselineName: '',
      baseline: '',
      comparison: '',
      target: '<= 10 %',
      met: r.backendCpuPercent <= 10,
    },
    {
      id: '13',
      measurement: 'Throughput of the supervised `yes` (its wchar)',
      value: mbps(r.childBytesPerSec),
      baselineName: '`yes > file` on the same core',
      baseline: mbps(r.bareBytesPerSec),
      comparison: percent(r.childBytesPerSec, r.bareBytesPerSec),
      target: '>= 50 %',
      met: r.childBytesPerSec >= 0.5 * r.bareBytesPerSec,
    },
    {
      id: '13',
      measurement: `/api/health/live during the flood, \`yes > /dev/null\` on the other core, p50 / p99 (${r.liveSamples} requests)`,
      value: `${ms(r.liveP50Ms)} / ${ms(r.liveP99Ms)}`,
      baselineName: '',
      baseline: '',
      comparison: '',
      target: 'p99 <= 100 ms',
      met: r.liveP99Ms <= 100,
    },
  ];
}
