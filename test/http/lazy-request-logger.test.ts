import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { lazyRequestLogger } from '../../src/http/lazy-request-logger.js';

function capture(level: string) {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { logger: pino({ level }, sink), lines };
}

describe("a request's logger", () => {
  it('writes lines at enabled levels with the request id, and nothing below its level', () => {
    const { logger, lines } = capture('warn');
    const log = lazyRequestLogger(logger, { requestId: 'req-1' }, {});
    log.info('request completed');
    log.debug({ detail: 1 }, 'noise');
    log.warn({ code: 'UNAVAILABLE' }, 'database unavailable');
    log.error('unhandled error');
    expect(lines.map(({ level, msg, requestId }) => ({ level, msg, requestId }))).toEqual([
      { level: 40, msg: 'database unavailable', requestId: 'req-1' },
      { level: 50, msg: 'unhandled error', requestId: 'req-1' },
    ]);
    expect(lines[0]).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it("follows a route's own level, and hands out children that keep the request id", () => {
    const { logger, lines } = capture('warn');
    const log = lazyRequestLogger(logger, { requestId: 'req-2' }, { level: 'info' });
    expect(log.level).toBe('info');
    log.info('incoming request');
    log.child({ part: 'stream' }).warn('slow client');
    expect(lines.map(({ msg, requestId, part }) => ({ msg, requestId, part }))).toEqual([
      { msg: 'incoming request', requestId: 'req-2', part: undefined },
      { msg: 'slow client', requestId: 'req-2', part: 'stream' },
    ]);
  });
});
