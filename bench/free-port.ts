/**
 * A free TCP port on 127.0.0.1, found by letting the kernel pick one and
 * releasing it. (The server under test takes the port number on its command
 * line; the tiny window in which another program could take it is acceptable
 * for a benchmark, which fails loudly if the server cannot bind.)
 */
export function freeLoopbackPort(): number {
  const listener = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = listener.port;
  listener.stop(true);
  return port;
}
