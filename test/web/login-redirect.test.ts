/**
 * The destination after login (`next`) is a same-origin path or "/", whatever
 * the browser would make of it: tabs and newlines are dropped by URL parsers,
 * backslashes read as slashes, and `//host` is another site.
 */
import { afterEach, describe, expect, test } from "bun:test";
import { setQuiet } from "../../src/log.ts";
import { createApp, type DashboardApp } from "../../src/web/app.ts";
import { safeNext } from "../../src/web/security/auth.ts";
import { makeWorld } from "./fakes.ts";
import { postForm } from "./helpers.ts";

setQuiet(true);

const TOKEN = "correct-horse-battery-staple-42";
const ORIGIN = "http://localhost";

let opened: DashboardApp[] = [];
afterEach(() => {
  for (const a of opened) a.hub.close();
  opened = [];
});

function setup(token: string | null) {
  const created = createApp(makeWorld({ token }).deps);
  opened.push(created);
  return created.app;
}

/** Off-site or ambiguous destinations, as the decoded `next` value. */
const EVIL = [
  "/\t/evil.example",
  "/\n/evil.example",
  "/\r\n/evil.example",
  "\t//evil.example",
  " //evil.example",
  "/\u0000/evil.example",
  "/\u007f/evil.example",
  "//evil.example",
  "//evil.example/trader",
  "///evil.example",
  "\\\\evil.example",
  "/\\evil.example",
  "\\/evil.example",
  "/\\/evil.example",
  "/.//evil.example",
  "/x/..//evil.example",
  "/%2F/evil.example",
  "/%2f%2fevil.example",
  "%2F%2Fevil.example",
  "/%5C/evil.example",
  "/%5c%5cevil.example",
  "/%09/evil.example",
  "/%0a/evil.example",
  "/%252F/evil.example",
  "https://evil.example",
  "https:evil.example",
  "http:/evil.example",
  "HTTPS://evil.example/trader",
  "javascript:alert(1)",
  "JaVaScRiPt:alert(1)",
  "java\tscript:alert(1)",
  "data:text/html,<script>alert(1)</script>",
  "evil.example",
  "",
];

/** Where a browser goes with `Location: value` sent by http://localhost. */
function browserTarget(value: string): URL {
  return new URL(value, `${ORIGIN}/login`);
}

describe("safeNext", () => {
  test.each(EVIL.map((v) => [JSON.stringify(v), v]))("refuses %s", (_label, value) => {
    expect(safeNext(value, ORIGIN)).toBe("/");
  });

  test("keeps real same-origin paths with their query and fragment", () => {
    expect(safeNext("/trader", ORIGIN)).toBe("/trader");
    expect(safeNext("/", ORIGIN)).toBe("/");
    expect(safeNext("/trader?tab=log&x=%2Fy#config", ORIGIN)).toBe("/trader?tab=log&x=%2Fy#config");
    expect(safeNext(undefined, ORIGIN)).toBe("/");
    expect(safeNext("/trader")).toBe("/trader");
  });

  test("whatever comes back, a browser stays on this origin", () => {
    for (const value of [...EVIL, "/trader", "/a/../trader", "/static/app.css?v=1"]) {
      const out = safeNext(value, ORIGIN);
      expect(out.startsWith("/")).toBe(true);
      expect(out).not.toMatch(/^\/[\/\\]/);
      expect(out).not.toMatch(/[\u0000-\u001f\u007f\\]/);
      expect(browserTarget(out).origin).toBe(ORIGIN);
    }
  });
});

describe("the login routes never send the browser off-site", () => {
  test("GET /login?next=… with no token to ask redirects at once, only on this origin", async () => {
    const app = setup(null);
    for (const value of EVIL) {
      const res = await app.request(`/login?next=${encodeURIComponent(value)}`);
      expect(res.status).toBe(302);
      const location = res.headers.get("location") ?? "";
      expect(location).toBe("/");
    }
    // The exact request of the adversarial run.
    const res = await app.request("/login?next=%2F%09%2Fevil.example");
    expect(res.headers.get("location")).toBe("/");
    expect((await app.request("/login?next=%2Ftrader")).headers.get("location")).toBe("/trader");
  });

  test("POST /login with the right token redirects only on this origin, and the form carries the cleaned next", async () => {
    const app = setup(TOKEN);
    for (const value of EVIL) {
      const res = await postForm(app, "/login", { token: TOKEN, next: value });
      expect(res.status).toBe(303);
      expect(res.headers.get("location")).toBe("/");
    }
    const page = await (await app.request("/login?next=%2F%09%2Fevil.example")).text();
    expect(page).toContain('name="next" value="/"');
    const ok = await postForm(app, "/login", { token: TOKEN, next: "/trader?tab=log" });
    expect(ok.headers.get("location")).toBe("/trader?tab=log");
  });
});
