import { lookUpInstance, type InstancePlace } from './instance-locator.js';
import { OPERATOR_EXIT } from './operator-exit.js';
import { SseFollower, type SseMessage } from './sse-follower.js';

/**
 * Follows an SSE path of the instance for the data directory until Ctrl+C (exit 130) or
 * SIGTERM (exit 0): a lost connection is retried, and said on stderr, never ends the command.
 */
export async function follow(options: {
  readonly place: InstancePlace;
  readonly headers: Record<string, string>;
  readonly path: (resuming: boolean) => string;
  readonly idsSurviveRestart: boolean;
  readonly onMessage: (message: SseMessage) => void;
}): Promise<number> {
  const follower = new SseFollower({
    path: options.path,
    idsSurviveRestart: options.idsSurviveRestart,
    locate: () => {
      const found = lookUpInstance(options.place);
      return found.kind === 'running' ? { baseUrl: found.instance.baseUrl, runId: found.instance.record.instanceId, headers: options.headers } : null;
    },
    onMessage: options.onMessage,
    onLost: (why) => process.stderr.write(`procguard: connection lost (${why}); reconnecting…\n`),
    onResumed: (target) => process.stderr.write(`procguard: reconnected to ${target.baseUrl}\n`),
  });
  let signal: NodeJS.Signals | null = null;
  const handlers = { SIGINT: () => stop('SIGINT'), SIGTERM: () => stop('SIGTERM') };
  function stop(received: NodeJS.Signals): void {
    signal = received;
    follower.stop();
  }
  process.on('SIGINT', handlers.SIGINT);
  process.on('SIGTERM', handlers.SIGTERM);
  try {
    await follower.run();
  } finally {
    process.off('SIGINT', handlers.SIGINT);
    process.off('SIGTERM', handlers.SIGTERM);
  }
  return signal === 'SIGINT' ? OPERATOR_EXIT.interrupted : OPERATOR_EXIT.ok;
}
