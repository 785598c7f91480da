import { Controller, Get, Inject, Res } from '@nestjs/common';
import { METRICS_EXPOSITION } from '../application/metrics.tokens.js';
import type { IMetricsExposition } from '../application/ports/metrics-exposition.port.js';

/** What both platforms' replies have (Fastify's reply.header, Express's res.header). */
interface HeaderReply {
  header(name: string, value: string): unknown;
}

/**
 * `GET /metrics`: Prometheus text exposition. A read like `GET /processes`: no token needed,
 * and nothing secret in it (names, states, figures; no environment, command or token).
 */
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(METRICS_EXPOSITION) private readonly metrics: IMetricsExposition) {}

  @Get()
  async scrape(@Res({ passthrough: true }) reply: HeaderReply): Promise<string> {
    const text = await this.metrics.render();
    reply.header('content-type', this.metrics.contentType);
    reply.header('cache-control', 'no-store');
    return text;
  }
}
