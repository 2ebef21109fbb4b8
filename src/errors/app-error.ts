import type { ErrorCode } from './codes.js';

export interface AppErrorOptions {
  /** May the message be shown to the caller as is? Internal faults never are. */
  expose?: boolean;
  /** Structured detail for the surface (e.g. the list of password-policy failures). */
  detail?: unknown;
  cause?: unknown;
}

/** The one error type the core throws; each surface renders it in its own protocol. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly expose: boolean;
  readonly detail: unknown;

  constructor(code: ErrorCode, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.expose = options.expose ?? code !== 'Internal';
    this.detail = options.detail;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}
