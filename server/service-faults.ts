import type { FaultSink } from './http/errors.js';
import type { CleanupStack } from './service-runtime.js';
import {
  DatabaseHealth,
  type DatabaseHealthOptions,
  type DatabaseStatus,
} from './store/database-health.js';
import { ErrorLog, type LogLevel } from './telemetry/error-log.js';

/**
 * What `smc serve` and `smc mdm` both do with faults: one rate-limited error log, one probe of
 * the database (each change logged once), and the sink the listeners' error handlers report
 * to (a database error makes the probe look now). Stopped with the service's cleanups.
 */
export interface ServiceFaults {
  readonly errorLog: ErrorLog;
  readonly database: DatabaseHealth;
  readonly faults: FaultSink;
}

export function startServiceFaults(options: {
  readonly service: string;
  readonly databaseUrl: string;
  readonly write: (line: string) => void;
  /** @default 'info' */
  readonly level?: LogLevel;
  readonly health?: Omit<DatabaseHealthOptions, 'onChange'>;
  /** Told after each change is logged (the server answers waiting batches 503). */
  readonly onDatabaseChange?: (available: boolean, status: DatabaseStatus) => void;
  readonly cleanups: CleanupStack;
}): ServiceFaults {
  const errorLog = new ErrorLog({
    write: options.write,
    service: options.service,
    ...(options.level ? { level: options.level } : {}),
  });
  options.cleanups.push(() => errorLog.close());
  const database = new DatabaseHealth(options.databaseUrl, {
    ...options.health,
    onChange: (available, status) => {
      errorLog.notice(available ? 'database available again' : 'database unavailable', {
        database: status,
      });
      options.onDatabaseChange?.(available, status);
    },
  });
  database.start();
  options.cleanups.push(() => database.stop());
  const faults: FaultSink = {
    databaseUnavailable: (error) => {
      database.noteFailure(error);
      errorLog.expected('database-unavailable', error);
    },
    internal: (error, where) => errorLog.unexpected('internal', error, where),
  };
  return { errorLog, database, faults };
}
