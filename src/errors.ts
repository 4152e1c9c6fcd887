/**
 * hotfn's domain errors. Each has a stable `code`; none knows about HTTP — `api/errors.ts` is the one
 * place that maps them to status codes and the v1 `{"error":{"message"}}` body.
 * @module
 */

export type ErrorCode =
  | "unauthorized"
  | "not_found"
  | "conflict"
  | "invalid"
  | "unsupported_media"
  | "too_large"
  | "busy"
  | "unavailable"
  | "function_timeout"
  | "function_failed"
  | "caller_gone"
  | "internal";

export class HotfnError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = "HotfnError";
  }
}

/** A request without the credential its door needs: missing, malformed and wrong read alike. */
export class Unauthorized extends HotfnError {
  constructor() {
    super("unauthorized", "Unauthorized: send a valid token as Authorization: Bearer <token>");
    this.name = "Unauthorized";
  }
}

/** An app, route or call that does not exist. */
export class NotFound extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("not_found", message, options);
    this.name = "NotFound";
  }
}

/** Something that already exists, or a change the current state forbids. */
export class Conflict extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("conflict", message, options);
    this.name = "Conflict";
  }
}

/** Bad input from the caller; `field` names what was wrong when one field is to blame. */
export class Invalid extends HotfnError {
  readonly field: string | undefined;
  constructor(message: string, field?: string, options?: { cause?: unknown }) {
    super("invalid", message, options);
    this.field = field;
    this.name = "Invalid";
  }
}

/** A body whose media type the endpoint does not take. */
export class UnsupportedMedia extends HotfnError {
  constructor(message: string) {
    super("unsupported_media", message);
    this.name = "UnsupportedMedia";
  }
}

/** A request body (or a function's answer) over its configured cap. */
export class TooLarge extends HotfnError {
  constructor(message: string) {
    super("too_large", message);
    this.name = "TooLarge";
  }
}

/** hotfn is at a limit it will not exceed (memory, queue length); the caller may retry later. */
export class Busy extends HotfnError {
  readonly retryAfterSeconds: number;
  constructor(message: string, retryAfterSeconds = 1, options?: { cause?: unknown }) {
    super("busy", message, options);
    this.retryAfterSeconds = retryAfterSeconds;
    this.name = "Busy";
  }
}

/** A dependency hotfn needs (the Docker engine) does not answer; the caller may retry later. */
export class Unavailable extends HotfnError {
  /** an engine restarting or a node stopping: worth trying again soon */
  readonly retryAfterSeconds = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super("unavailable", message, options);
    this.name = "Unavailable";
  }
}

/** The function ran past its route's timeout, or did not get ready within HOTFN_READY_TIMEOUT, and was killed. */
export class FunctionTimeout extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("function_timeout", message, options);
    this.name = "FunctionTimeout";
  }
}

/** The caller went away (hung up, stopped sending its body) before its call was answered. */
export class CallerGone extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("caller_gone", message, options);
    this.name = "CallerGone";
  }
}

/** The function crashed, exited non-zero, was OOM-killed, or broke its format's framing. */
export class FunctionFailed extends HotfnError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("function_failed", message, options);
    this.name = "FunctionFailed";
  }
}
