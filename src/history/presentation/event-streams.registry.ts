import { Injectable } from '@nestjs/common';
import { OpenStreams } from './open-streams.js';

/** Open `/api/events` streams, so shutdown can end them before the HTTP drain waits on them. */
@Injectable()
export class EventStreamsRegistry extends OpenStreams {}
