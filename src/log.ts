/**
 * One-line structured logs on stderr: `2026-11-21T12:00:00.000Z INFO market: message {"k":"v"}`.
 * Secrets never reach here: callers pass no credentials, and `redact` masks
 * the configured secret values should one slip into a message.
 */
type Level = "debug" | "info" | "warn" | "error";

const secrets = new Set<string>();

/** Registers a value (API secret, dashboard token) that must never appear in a log line. */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

function redact(text: string): string {
  let out = text;
  for (const secret of secrets) out = out.split(secret).join("***");
  return out;
}

let quiet = process.env.LOG_LEVEL === "silent";
export function setQuiet(value: boolean): void {
  quiet = value;
}

function write(level: Level, scope: string, message: string, data?: unknown): void {
  if (quiet) return;
  if (level === "debug" && process.env.LOG_LEVEL !== "debug") return;
  const extra = data === undefined ? "" : " " + JSON.stringify(data);
  process.stderr.write(redact(`${new Date().toISOString()} ${level.toUpperCase()} ${scope}: ${message}${extra}`) + "\n");
}

export interface Logger {
  debug(message: string, data?: unknown): void;
  info(message: string, data?: unknown): void;
  warn(message: string, data?: unknown): void;
  error(message: string, data?: unknown): void;
}

export function logger(scope: string): Logger {
  return {
    debug: (m, d) => write("debug", scope, m, d),
    info: (m, d) => write("info", scope, m, d),
    warn: (m, d) => write("warn", scope, m, d),
    error: (m, d) => write("error", scope, m, d),
  };
}
