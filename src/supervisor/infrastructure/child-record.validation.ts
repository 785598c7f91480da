import type { ChildRecord } from '../application/ports/child-registry.port.js';

/** Linux's PID_MAX_LIMIT; PID 1 is init and never a child of ours. */
const MAX_PID = 4_194_304;
/** More records than this were never written by a backend: the rest are ignored. */
export const MAX_RECORDS = 10_000;

const PRINTABLE = /^[^\p{Cc}]+$/u;

type Check = (value: unknown) => string | null;

const text =
  (max: number, pattern: RegExp = PRINTABLE): Check =>
  (v) =>
    typeof v === 'string' && v.length > 0 && v.length <= max && pattern.test(v) ? null : `must be a string of 1 to ${max} printable characters`;

const pid: Check = (v) => (Number.isSafeInteger(v) && (v as number) >= 2 && (v as number) <= MAX_PID ? null : `must be an integer from 2 to ${MAX_PID}`);

const nullable =
  (check: Check): Check =>
  (v) =>
    v === null ? null : check(v);

const CHECKS: Record<keyof ChildRecord, Check> = {
  name: text(256),
  pid,
  pgid: pid,
  startTime: nullable(text(64, /^[\w :.+-]+$/)),
  bootId: nullable(text(64, /^[0-9a-fA-F-]+$/)),
  ownerInstanceId: text(128, /^[\w.-]+$/),
  startedAt: (v) => (typeof v === 'string' && !Number.isNaN(Date.parse(v)) ? null : 'must be an ISO date'),
};

/**
 * Why `value` is not a record a backend of ours wrote (the field and the
 * reason), or null when every field is valid. A record names a group leader,
 * so its pgid must equal its pid.
 */
export function recordProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'is not an object';
  const record = value as Record<string, unknown>;
  for (const [field, check] of Object.entries(CHECKS)) {
    const problem = check(record[field]);
    if (problem) return `"${field}" ${problem}, got ${describe(record[field])}`;
  }
  if (record.pgid !== record.pid) return `"pgid" must equal "pid" (${describe(record.pid)}), got ${describe(record.pgid)}`;
  return null;
}

function describe(value: unknown): string {
  const shown = JSON.stringify(value) ?? String(value);
  return shown.length > 40 ? `${shown.slice(0, 40)}…` : shown;
}
