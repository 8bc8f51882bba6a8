import { type Logger, pino } from 'pino';
import { traceLogFields } from './telemetry/kernel.ts';

export type { Logger };

/**
 * JSON logs on stdout; one root logger per process, request loggers are children carrying the request id.
 * With tracing on, every line also carries the active span's `trace_id` and `span_id`.
 */
export function createLogger(service: string, level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { service },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    mixin: traceLogFields,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.refreshToken',
        '*.accessToken',
        '*.secret',
      ],
      censor: '[redacted]',
    },
  });
}
