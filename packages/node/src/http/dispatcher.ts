import type { TLSSocket } from 'node:tls';
import type { Dispatcher, buildConnector } from 'undici';

/** Settings of the Node transport: proxy, extra CA certificates, timeouts. */
export interface TransportOptions {
  /**
   * Proxy URL for every request (`http://user:pass@proxy:3128`). Default: `HTTPS_PROXY` /
   * `HTTP_PROXY` from the environment; `false` ignores them and connects directly.
   */
  proxy?: string | false;
  /** Hosts to reach directly, `NO_PROXY` syntax (`127.0.0.1,.corp.example`). Default: `NO_PROXY`. */
  noProxy?: string;
  /** Extra trusted CA certificates (PEM), added to Node's built-in roots: TLS-inspecting proxies, private clouds. */
  ca?: string | readonly string[];
  /**
   * Milliseconds allowed to connect, to receive the response headers and between body chunks
   * (like the `timeout` of Python's requests). Default: undici's (10 s connect, 300 s otherwise).
   */
  timeoutMs?: number;
  /**
   * Trust exactly the server certificate with this SHA-1 or SHA-256 thumbprint (hex, colons
   * optional) instead of a CA chain: for local endpoints with self-signed certificates (Service
   * Fabric's managed identity). Connects directly (no proxy); nothing is sent before the check.
   */
  pinnedCertificateThumbprint?: string;
}

/** The undici dispatcher that carries proxy, CA and timeout settings to fetch. */
export async function createDispatcher(options: TransportOptions = {}): Promise<Dispatcher> {
  // undici is loaded with the first request: importing it costs ~100 ms of process start-up.
  const { Agent, EnvHttpProxyAgent, buildConnector } = await import('undici');
  // Node's `ca` replaces the default roots, so the extra certificates are appended to them.
  const extra = options.ca === undefined ? [] : typeof options.ca === 'string' ? [options.ca] : [...options.ca];
  // node:tls loads only here (see node-builtins.ts).
  const tls = extra.length > 0 ? { ca: [...(await import('node:tls')).rootCertificates, ...extra] } : {};
  const timeouts =
    options.timeoutMs === undefined ? {} : { headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs };
  const connect = { ...tls, ...(options.timeoutMs === undefined ? {} : { timeout: options.timeoutMs }) };
  const agentOptions = { ...timeouts, connect };
  if (options.pinnedCertificateThumbprint) {
    return new Agent({ ...timeouts, connect: pinnedConnector(buildConnector({ ...connect, rejectUnauthorized: false }), options.pinnedCertificateThumbprint) });
  }
  if (options.proxy === false) return new Agent(agentOptions);
  // EnvHttpProxyAgent falls back to a direct Agent when no proxy is configured, and handles NO_PROXY.
  return new EnvHttpProxyAgent({
    ...agentOptions,
    // Through a CONNECT tunnel the target's TLS is set by requestTls; an https proxy's by proxyTls.
    requestTls: connect,
    proxyTls: connect,
    ...(options.proxy ? { httpProxy: options.proxy, httpsProxy: options.proxy } : {}),
    ...(options.noProxy !== undefined ? { noProxy: options.noProxy } : {}),
  });
}

/** Wraps a connector so that a TLS socket is handed to undici only if its certificate has the pinned thumbprint. */
function pinnedConnector(connector: buildConnector.connector, thumbprint: string): buildConnector.connector {
  const wanted = thumbprint.replace(/:/g, '').toUpperCase();
  return (opts, callback) =>
    connector(opts, (error, socket) => {
      if (error || !socket) return callback(error ?? new Error('no socket'), null);
      const cert = (socket as TLSSocket).getPeerCertificate?.();
      const seen = [cert?.fingerprint, cert?.fingerprint256].filter(Boolean).map((f) => f!.replace(/:/g, '').toUpperCase());
      if (seen.includes(wanted)) return callback(null, socket);
      socket.destroy();
      callback(new Error(`The server certificate of ${opts.hostname} does not have the expected thumbprint ${wanted}`), null);
    });
}
