/**
 * A small JSON client for a server under test: sends the same-origin header a
 * browser would (mutations need it) and parses JSON answers when they are JSON.
 */
export type JsonRequest = (method: string, path: string, body?: unknown) => Promise<{ status: number; body: any }>;

export function jsonClient(baseUrl: string): JsonRequest {
  return async (method, path, body) => {
    const response = await fetch(baseUrl + path, {
      method,
      headers: { "content-type": "application/json", origin: baseUrl },
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
    });
    const text = await response.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed };
  };
}
