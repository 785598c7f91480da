import type { HealthAnswer, HealthSnapshot } from './health-snapshot.js';

/** The two routes the health snapshot answers, below the health path (`/api/health`). */
export const HEALTH_ROUTES = [
  { suffix: '', answer: (snapshot: HealthSnapshot) => snapshot.answer() },
  { suffix: '/ready', answer: (snapshot: HealthSnapshot) => snapshot.ready() },
] as const;

/** A failure building the answer (a bug, not a down check): a 500 in Nest's shape, never a hang. */
export const HEALTH_FAILURE: HealthAnswer = {
  statusCode: 500,
  body: JSON.stringify({ statusCode: 500, message: 'Internal server error' }),
};
