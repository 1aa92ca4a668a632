/**
 * The boundary jest tests replace: Grafana's BackendSrv. Each test routes URLs to answers — an agent's
 * JSON, an agent's error body, or Grafana's proxy error — and reads back the requests made.
 */
import { setBackendSrv, type BackendSrv, type BackendSrvRequest } from '@grafana/runtime';
import { Observable } from 'rxjs';

export type Answer = { status: number; data: unknown };

export const ok = (data: unknown): Answer => ({ status: 200, data });
export const agentError = (status: number, code: string, message: string): Answer => ({
  status,
  data: { error: { code, message } },
});
/** What Grafana's plugin proxy answers when the agent's URL does not answer. */
export const badGateway: Answer = { status: 502, data: { message: 'Bad Gateway' } };

export interface FakeBackend {
  requests: BackendSrvRequest[];
  /** Replaces the answer for a method and URL (exact match). */
  answer(method: string, url: string, answer: Answer): void;
}

export function installFakeBackend(): FakeBackend {
  const answers = new Map<string, Answer>();
  const requests: BackendSrvRequest[] = [];
  const fake = {
    fetch: (options: BackendSrvRequest) =>
      new Observable((subscriber) => {
        requests.push(options);
        const answer = answers.get(`${options.method ?? 'GET'} ${options.url}`) ?? {
          status: 404,
          data: { message: 'Not found' },
        };
        if (answer.status >= 400) {
          subscriber.error({ status: answer.status, data: answer.data, config: options });
        } else {
          subscriber.next({ status: answer.status, data: answer.data, ok: true, config: options });
          subscriber.complete();
        }
      }),
  };
  setBackendSrv(fake as unknown as BackendSrv);
  return { requests, answer: (method, url, answer) => answers.set(`${method} ${url}`, answer) };
}

export const proxied = (slot: number, path: string) => `/api/plugin-proxy/patronituner-app/agents/${slot}${path}`;
