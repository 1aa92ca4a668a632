/**
 * The Grafana stand-in the Chromium test talks to: it serves the harness page (plugin/e2e, bundled
 * with esbuild), the BUILT plugin under /public/plugins/<id>/, the app's settings as Grafana's
 * /api/plugins/<id>/settings does (the token kept server-side, only "configured" shown), and the plugin
 * proxy: /api/plugin-proxy/<id>/agents/<n>[/*] is forwarded to jsonData.agentUrl<n> with the token as a
 * bearer header — what plugin.json's routes make Grafana do. With a Prometheus, it also lists it as a
 * data source (/api/frontend/settings, which Grafana's DataSourceSrv is built from) and answers
 * /api/ds/query for it as Grafana's Prometheus data source does (prometheus-query.ts).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { build } from 'esbuild';
import { REPO } from '../lab/queries.js';
import { queryPrometheusDataSource, type DataSourceQueryRequest, type PrometheusDataSource } from './prometheus-query.js';

const PLUGIN_ID = 'patronituner-app';
const PLUGIN_DIR = join(REPO, 'plugin');
const DIST = join(PLUGIN_DIR, 'dist');
/** Grafana serves @grafana/ui's icons under public/build/img/icons/; the package ships the same files. */
const ICONS = join(REPO, 'node_modules', '@grafana', 'ui', 'dist', 'public', 'img', 'icons');
const PROXY_PREFIX = `/api/plugin-proxy/${PLUGIN_ID}/agents/`;
const SETTINGS_PATH = `/api/plugins/${PLUGIN_ID}/settings`;

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'application/javascript',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.map': 'application/json',
  '.md': 'text/markdown',
};

const PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>Patroni Tuner</title></head>
<link rel="stylesheet" href="/harness.css">
<body style="margin:0"><div id="root"></div><script src="/harness.js"></script></body></html>`;

export interface HarnessServer {
  url: string;
  /** The settings as saved, for assertions (the token included). */
  settings(): { jsonData: Record<string, unknown>; apiToken: string | null };
  close(): Promise<void>;
}

/** The harness page's script and the stylesheets its modules import (uPlot's among them), as Grafana's build bundles them. */
export async function bundleHarness(): Promise<{ js: string; css: string }> {
  const result = await build({
    entryPoints: [join(PLUGIN_DIR, 'e2e', 'harness.tsx')],
    bundle: true,
    write: false,
    outdir: 'harness',
    format: 'iife',
    platform: 'browser',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"', global: 'window' },
    // Fonts are not needed to drive the pages.
    loader: { '.svg': 'text', '.woff2': 'empty', '.woff': 'empty', '.ttf': 'empty' },
    // Grafana core's entry point for setPanelRenderer; see plugin/e2e/grafana-runtime-internal.d.ts.
    alias: { '@grafana/runtime/internal': join(REPO, 'node_modules', '@grafana', 'runtime', 'dist', 'esm', 'components', 'PanelRenderer.mjs') },
    logLevel: 'error',
  });
  const output = (extension: string) => result.outputFiles.find((file) => file.path.endsWith(extension))?.text ?? '';
  return { js: output('.js'), css: output('.css') };
}

export interface HarnessOptions {
  /** A Prometheus the harness offers as Grafana's data source (the only one). */
  prometheus?: PrometheusDataSource;
}

export async function startHarnessServer(options: HarnessOptions = {}): Promise<HarnessServer> {
  const harness = await bundleHarness();
  const dataSources = options.prometheus ? [options.prometheus] : [];
  let jsonData: Record<string, unknown> = {};
  let apiToken: string | null = null;

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) send(response, 500, { message: String(error) });
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://harness');
    if (url.pathname === '/harness.js') return send(response, 200, harness.js, 'application/javascript');
    if (url.pathname === '/harness.css') return send(response, 200, harness.css, 'text/css');
    if (url.pathname.startsWith(`/public/plugins/${PLUGIN_ID}/`)) return sendFile(response, DIST, url.pathname.slice(`/public/plugins/${PLUGIN_ID}/`.length));
    if (url.pathname.startsWith('/public/build/img/icons/')) return sendFile(response, ICONS, url.pathname.slice('/public/build/img/icons/'.length));
    if (url.pathname === SETTINGS_PATH) {
      if (request.method === 'POST') {
        const body = JSON.parse(await readBody(request)) as { jsonData?: Record<string, unknown>; secureJsonData?: { apiToken?: string } };
        jsonData = body.jsonData ?? {};
        // As Grafana: a secure field sent (even empty) replaces the stored secret; one not sent is kept.
        if (body.secureJsonData?.apiToken !== undefined) apiToken = body.secureJsonData.apiToken || null;
        return send(response, 200, { message: 'Plugin settings updated' });
      }
      return send(response, 200, {
        id: PLUGIN_ID,
        type: 'app',
        name: 'Patroni Tuner',
        enabled: true,
        pinned: true,
        jsonData,
        secureJsonFields: { apiToken: apiToken !== null },
        info: {},
      });
    }
    if (url.pathname.startsWith(PROXY_PREFIX)) return proxy(request, response, url);
    if (url.pathname === '/api/frontend/settings') return send(response, 200, frontendSettings(dataSources));
    if (url.pathname === '/api/ds/query' && request.method === 'POST') {
      const { status, body } = await queryPrometheusDataSource(dataSources, JSON.parse(await readBody(request)) as DataSourceQueryRequest);
      return send(response, status, body);
    }
    if (url.pathname.startsWith('/api/')) return send(response, 404, { message: 'Not found' });
    return send(response, 200, PAGE, 'text/html');
  }

  async function proxy(request: IncomingMessage, response: ServerResponse, url: URL): Promise<void> {
    const match = /^(\d+)(\/.*)?$/.exec(url.pathname.slice(PROXY_PREFIX.length));
    const target = match ? jsonData[`agentUrl${match[1]}`] : undefined;
    if (!match || typeof target !== 'string' || target === '') {
      return send(response, 502, { message: 'Bad Gateway' });
    }
    const body = request.method === 'GET' || request.method === 'HEAD' ? undefined : await readBody(request);
    let upstream: Response;
    try {
      upstream = await fetch(`${target.replace(/\/+$/, '')}${match[2] ?? ''}${url.search}`, {
        method: request.method,
        headers: {
          ...(request.headers['content-type'] ? { 'content-type': request.headers['content-type'] } : {}),
          ...(apiToken === null ? {} : { authorization: `Bearer ${apiToken}` }),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      // Grafana's proxy answers a refused or timed-out connection with 502.
      return send(response, 502, { message: 'Bad Gateway' });
    }
    send(response, upstream.status, Buffer.from(await upstream.arrayBuffer()), upstream.headers.get('content-type') ?? 'application/octet-stream');
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('harness server has no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    settings: () => ({ jsonData, apiToken }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * The part of Grafana's /api/frontend/settings a DataSourceSrv is built from: the data sources by
 * name, as DataSourceInstanceSettings, and the default one's name.
 */
function frontendSettings(dataSources: PrometheusDataSource[]) {
  return {
    defaultDatasource: dataSources[0]?.name ?? '',
    datasources: Object.fromEntries(
      dataSources.map((ds, index) => [
        ds.name,
        {
          id: index + 1,
          uid: ds.uid,
          name: ds.name,
          type: 'prometheus',
          access: 'proxy',
          url: `/api/datasources/proxy/uid/${ds.uid}`,
          isDefault: index === 0,
          readOnly: true,
          jsonData: { httpMethod: 'POST', prometheusType: 'Prometheus', timeInterval: ds.scrapeInterval },
          meta: { id: 'prometheus', name: 'Prometheus', type: 'datasource', metrics: true, backend: true, info: { logos: { small: '', large: '' } } },
        },
      ]),
    ),
  };
}

async function sendFile(response: ServerResponse, root: string, relative: string): Promise<void> {
  const file = normalize(join(root, relative));
  const body = file.startsWith(root) ? await readFile(file).catch(() => null) : null;
  if (body === null) return send(response, 404, { message: 'not found' });
  send(response, 200, body, CONTENT_TYPES[extname(file)] ?? 'application/octet-stream');
}

function send(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  const payload = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType });
  response.end(payload);
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (text += chunk));
    request.on('end', () => resolve(text));
    request.on('error', reject);
  });
}
