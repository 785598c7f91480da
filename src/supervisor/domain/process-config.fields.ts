import { DAY_MS } from './process-config.constants.js';
import { didYouMean } from './did-you-mean.js';
import { pm2Millis } from './pm2-values.js';

export type ConfigObject = Readonly<Record<string, unknown>>;

/** The OS cannot pass a NUL byte in a command, argument, path or variable: spawn would fail on every try. */
export const NUL_REASON = 'must not contain a NUL byte (\\u0000): the system cannot pass one to a process';

export function isConfigObject(value: unknown): value is ConfigObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A value as a problem quotes it: strings quoted (and shortened), lists and objects by kind. */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'string') return quote(value);
  if (typeof value === 'object') return 'an object';
  return String(value);
}

export function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}

function range(min: number, max: number | undefined): string {
  if (max === undefined) return `of ${min} or more`;
  return `from ${min} to ${max}${max === DAY_MS ? ' (24 h)' : ''}`;
}

/**
 * Reads the fields of one object of the config (a process, or a section such as its
 * `backoff`). A bad value is reported as a problem naming the owner, the field and the
 * reason, and the reader returns the default so that the rest is still checked.
 * A field set to null counts as absent.
 */
export class FieldReader {
  constructor(
    /** Who the problems are about, e.g. `processes[1] "web"`. */
    readonly owner: string,
    private readonly problems: string[],
    private readonly values: ConfigObject,
    /** Prefix of field names in problems, e.g. `backoff.`. */
    private readonly path = '',
  ) {}

  raw(key: string): unknown {
    return Object.hasOwn(this.values, key) ? this.values[key] : undefined;
  }

  keys(): string[] {
    return Object.keys(this.values);
  }

  has(key: string): boolean {
    const value = this.raw(key);
    return value !== undefined && value !== null;
  }

  /** The first of `keys` that is set (a field or its PM2 alias), else the first. */
  pick(...keys: string[]): string {
    return keys.find((key) => this.has(key)) ?? keys[0];
  }

  field(key: string): string {
    return `"${this.path}${key}"`;
  }

  fail(key: string, reason: string): void {
    this.problems.push(`${this.owner}: ${this.field(key)} ${reason}`);
  }

  note(reason: string): void {
    this.problems.push(`${this.owner}: ${reason}`);
  }

  /** Reports every key that is neither `known` nor `ignored`, with a suggestion when one is close. */
  rejectUnknown(known: readonly string[], ignored: readonly string[] = [], ignoredPattern?: RegExp): void {
    for (const key of Object.keys(this.values)) {
      if (known.includes(key) || ignored.includes(key) || ignoredPattern?.test(key)) continue;
      const suggestion = didYouMean(key, known);
      const hint = suggestion ? `; did you mean ${this.field(suggestion)}?` : ' (check the spelling, or remove it)';
      this.note(`unknown field ${quote(this.path + key)}${hint}`);
    }
  }

  /** The object at `key` as a reader of its own, its unknown keys reported; null when absent or not an object. */
  section(key: string, known: readonly string[]): FieldReader | null {
    if (!this.has(key)) return null;
    const value = this.raw(key);
    if (!isConfigObject(value)) {
      this.fail(key, `must be an object with any of ${known.map((k) => `"${k}"`).join(', ')}, got ${describeValue(value)}`);
      return null;
    }
    const reader = new FieldReader(this.owner, this.problems, value, `${this.path}${key}.`);
    reader.rejectUnknown(known);
    return reader;
  }

  wholeNumber<F extends number | null>(key: string, min: number, max: number | undefined, fallback: F): number | F {
    return this.integer(key, min, max, fallback, 'a whole number');
  }

  millis(key: string, min: number, max: number, fallback: number): number {
    return this.integer(key, min, max, fallback, 'a whole number of milliseconds');
  }

  /** A PM2 time: milliseconds, or a string such as "10s", "1m", "2h" (see pm2Millis). */
  pm2Millis(key: string, min: number, max: number, fallback: number): number {
    if (!this.has(key)) return fallback;
    const value = this.raw(key);
    const ms = pm2Millis(value);
    if (ms !== null && ms >= min && ms <= max) return ms;
    this.fail(key, `must be milliseconds or a time such as "10s", "1m", "2h", ${range(min, max)} ms, got ${describeValue(value)}`);
    return fallback;
  }

  number(key: string, min: number, max: number, fallback: number): number {
    if (!this.has(key)) return fallback;
    const value = this.raw(key);
    if (typeof value === 'number' && Number.isFinite(value) && value >= min && value <= max) return value;
    this.fail(key, `must be a number ${range(min, max)}, got ${describeValue(value)}`);
    return fallback;
  }

  boolean(key: string, fallback: boolean): boolean {
    if (!this.has(key)) return fallback;
    const value = this.raw(key);
    if (typeof value === 'boolean') return value;
    this.fail(key, `must be true or false, got ${describeValue(value)}`);
    return fallback;
  }

  /** A non-empty string, or undefined (reported unless simply absent). */
  string(key: string): string | undefined {
    if (!this.has(key)) return undefined;
    const value = this.raw(key);
    if (typeof value !== 'string') this.fail(key, `must be a string, got ${describeValue(value)}`);
    else if (value.trim() === '') this.fail(key, 'must not be empty');
    else if (value.includes('\0')) this.fail(key, NUL_REASON);
    else return value;
    return undefined;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
    if (!this.has(key)) return fallback;
    const value = this.raw(key);
    if (allowed.includes(value as T)) return value as T;
    this.fail(key, `must be one of ${allowed.join(', ')}, got ${describeValue(value)}`);
    return fallback;
  }

  private integer<F extends number | null>(key: string, min: number, max: number | undefined, fallback: F, what: string): number | F {
    if (!this.has(key)) return fallback;
    const value = this.raw(key);
    const inRange = typeof value === 'number' && value >= min && (max === undefined || value <= max);
    if (inRange && Number.isSafeInteger(value)) return value;
    this.fail(key, `must be ${what} ${range(min, max)}, got ${describeValue(value)}`);
    return fallback;
  }
}
