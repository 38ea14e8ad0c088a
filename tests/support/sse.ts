/** A server-sent event stream (the API's GET /stream) read as a client: its events, as they come. */
import { type IncomingMessage, request } from 'node:http';

/** One event: its name and its JSON data. */
export interface SseEvent<D = Record<string, unknown>> {
  event: string;
  data: D;
}

/** GETs `url` and collects its events until the response is destroyed; the caller checks the status. */
export async function openSse<D = Record<string, unknown>>(
  url: string,
  headers: Record<string, string>,
): Promise<{ res: IncomingMessage; events: SseEvent<D>[] }> {
  const events: SseEvent<D>[] = [];
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { headers }, resolve);
    req.on('error', reject);
    req.end();
  });
  res.setEncoding('utf8');
  let text = '';
  res.on('data', (chunk: string) => {
    text += chunk;
    const blocks = text.split('\n\n');
    text = blocks.pop()!;
    for (const b of blocks) {
      const event = /^event: (.*)$/m.exec(b)?.[1];
      const data = /^data: (.*)$/m.exec(b)?.[1];
      if (event && data) events.push({ event, data: JSON.parse(data) as D });
    }
  });
  res.on('error', () => {});
  return { res, events };
}
