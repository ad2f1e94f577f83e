import type http from 'node:http';

/**
 * Stops accepting connections and lets requests in flight finish, for at most `deadlineMs`:
 * then every connection left (a client trickling its body, say) is closed. Resolves once the
 * server is closed; `forced` says whether the deadline had to cut connections.
 */
export async function drain(server: http.Server, deadlineMs: number): Promise<{ forced: boolean }> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Keep-alive connections go idle as their last request ends; close them as they do.
  const sweep = setInterval(() => server.closeIdleConnections(), 100);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => {
    timer = setTimeout(() => resolve('deadline'), deadlineMs);
  });
  const outcome = await Promise.race([closed.then(() => 'closed' as const), deadline]);
  clearInterval(sweep);
  clearTimeout(timer);
  if (outcome === 'deadline') {
    server.closeAllConnections();
    await closed;
  }
  return { forced: outcome === 'deadline' };
}
