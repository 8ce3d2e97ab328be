import { FetchHttpClient, type HttpClient, type HttpRequest } from '../../src/index.js';

/** A transport that holds token requests until released, so callers can join or abort while one is in flight. */
export function gatedTransport(): { httpClient: HttpClient; sent: HttpRequest[]; waiting: Promise<void>; release: () => void } {
  let release!: () => void;
  const opened = new Promise<void>((resolve) => (release = resolve));
  let reached!: () => void;
  const waiting = new Promise<void>((resolve) => (reached = resolve));
  const http = new FetchHttpClient();
  const sent: HttpRequest[] = [];
  return {
    httpClient: {
      send: async (request: HttpRequest) => {
        if (request.url.endsWith('/token')) {
          sent.push(request);
          reached();
          await opened;
        }
        return http.send(request);
      },
    },
    /** The token requests sent, as the client built them. */
    sent,
    /** Resolves once a token request is held. */
    waiting,
    release,
  };
}
