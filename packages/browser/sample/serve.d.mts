export interface SampleServerOptions {
  port?: number;
  authority?: string;
  clientId?: string;
  scopes?: string[];
  /** Where /cdn.html imports the CDN file from (default: this server's /tessera-browser.min.js). */
  cdnUrl?: string;
  /** The bundled sample (default sample/dist/app.js). */
  appFile?: string;
  /** The CDN file (default dist/tessera-browser.min.js). */
  cdnFile?: string;
  /** The `cache-control` of every answer (default `no-store`). */
  cacheControl?: string;
  /** A `Cross-Origin-Opener-Policy` header on the pages (default none). */
  crossOriginOpenerPolicy?: string;
}
export interface SampleServer {
  origin: string;
  port: number;
  config: { authority?: string; clientId: string; scopes: string[]; cdnUrl: string; responseMode?: 'query' | 'fragment'; dpop?: boolean; cache?: 'indexeddb' | 'memory' };
  /** Redirect URIs to register for the SPA client: `${origin}/` and `${origin}/cdn.html`. */
  redirectUris: string[];
  close(): Promise<void>;
}
export function startSampleServer(options?: SampleServerOptions): Promise<SampleServer>;
