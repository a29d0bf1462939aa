import { describe, expect, it } from 'vitest';
import { loggerOptions } from '../src/server-options.js';

describe('the log format', () => {
  it('is pino-pretty on a terminal and JSON lines otherwise, with credentials redacted either way', () => {
    const terminal = loggerOptions({ logLevel: 'info' }, true);
    const piped = loggerOptions({ logLevel: 'info' }, false);
    expect(terminal.transport).toMatchObject({ target: 'pino-pretty' });
    expect(piped.transport).toBeUndefined();
    for (const options of [terminal, piped]) expect(options.redact).toEqual(['req.headers.authorization', 'req.headers.cookie']);
  });
});
