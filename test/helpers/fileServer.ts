import http from 'node:http';

/**
 * A loopback stand-in for the address Teams gives a file attached in a chat: serves `files` by
 * path; /slow/... answers after 1.5 s, as a large file on SharePoint might.
 */
export async function fileServer(files: Record<string, string>): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    if (req.url?.startsWith('/slow/')) await new Promise((r) => setTimeout(r, 1500));
    const body = files[(req.url ?? '').replace(/^\/slow/, '')];
    res.writeHead(body === undefined ? 404 : 200, { 'content-type': 'text/plain' });
    res.end(body ?? '');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as { port: number }).port}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** A Teams file-download attachment pointing at the file server. */
export function fileAttachment(name: string, url: string): Record<string, unknown> {
  return {
    contentType: 'application/vnd.microsoft.teams.file.download.info',
    name,
    content: { downloadUrl: url, fileType: name.split('.').pop() },
  };
}
