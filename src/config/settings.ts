import { EnvValidationError, validateEnv, type AppEnv } from './env.validation.js';

/** The resolved settings of this instance (environment, then options given in code). */
export type ProcguardSettings = AppEnv;

/** Injection token of {@link ProcguardSettings}. */
export const SETTINGS = Symbol('ProcguardSettings');

/** An option given in code that stands for an environment variable. */
export interface SettingOverride {
  /** The environment variable it replaces, e.g. `PORT`. */
  readonly variable: string;
  /** How messages name it, e.g. `bootstrap option port`. */
  readonly label: string;
  /** `undefined`: not given, the environment (or the default) applies. */
  readonly value: unknown;
}

/**
 * Options in code win over the environment, which wins over the defaults; all go through
 * the same validator, and a problem names the option the user wrote, not the variable.
 * @throws EnvValidationError listing every problem
 */
export function resolveSettings(env: NodeJS.ProcessEnv, overrides: readonly SettingOverride[], cwd: string = process.cwd()): ProcguardSettings {
  const raw: Record<string, unknown> = { ...env };
  const labels = new Map<string, string>();
  for (const { variable, label, value } of overrides) {
    if (value === undefined) continue;
    raw[variable] = Array.isArray(value) ? value.join(',') : value === null ? '' : String(value);
    labels.set(variable, label);
  }
  try {
    return validateEnv(raw, cwd, (variable) => labels.get(variable) ?? variable);
  } catch (error) {
    if (!(error instanceof EnvValidationError) || labels.size === 0) throw error;
    throw new EnvValidationError(error.problems, 'settings');
  }
}
