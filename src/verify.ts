import { ConfigError, loadConfig, loadDotEnv } from './config.js';
import { ConsistencyCheck } from './services/consistency-check.js';
import { ConsistencyReader } from './store/consistency-reader.js';
import { openDatabase } from './store/db.js';

// Exit codes: 0 consistent, 1 discrepancies found, 2 the check could not run.
try {
  loadDotEnv();
  const config = loadConfig();
  const database = openDatabase(config.database);
  try {
    const check = new ConsistencyCheck(new ConsistencyReader(database));
    let events = 0;
    let discrepancies = 0;
    for await (const verdict of check.checkEveryEvent()) {
      events += 1;
      for (const found of verdict.discrepancies) {
        discrepancies += 1;
        process.stdout.write(`${found.invariant} event=${found.eventId} booking=${found.bookingId ?? '-'}: ${found.message}\n`);
      }
    }
    const checked = `${events} ${events === 1 ? 'event' : 'events'} checked`;
    process.stdout.write(`verify: ${checked}, ${discrepancies} ${discrepancies === 1 ? 'discrepancy' : 'discrepancies'}\n`);
    process.exitCode = discrepancies > 0 ? 1 : 0;
  } finally {
    await database.close();
  }
} catch (error) {
  const cause = error instanceof Error && error.cause instanceof Error ? ` (${error.cause.message})` : '';
  const message =
    error instanceof ConfigError
      ? `invalid configuration: ${error.message}`
      : `${error instanceof Error ? error.message : String(error)}${cause}`;
  process.stderr.write(`boxoffice verify: ${message}\n`);
  process.exitCode = 2;
}
