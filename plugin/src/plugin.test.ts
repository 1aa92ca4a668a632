import pluginJson from './plugin.json';
import { AGENT_SLOTS } from './constants';

test('every agent slot has its static route pair to its URL, with the token as a bearer header', () => {
  expect(pluginJson.routes).toHaveLength(AGENT_SLOTS * 2);
  for (let slot = 0; slot < AGENT_SLOTS; slot++) {
    for (const path of [`agents/${slot}`, `agents/${slot}/*`]) {
      const route = pluginJson.routes.find((r) => r.path === path);
      expect(route).toEqual({
        path,
        method: '*',
        reqRole: 'Viewer',
        url: `{{ .JsonData.agentUrl${slot} }}`,
        headers: [{ name: 'Authorization', content: 'Bearer {{ .SecureJsonData.apiToken }}' }],
      });
    }
  }
});

test('the bundled dashboards are included and in the navigation', () => {
  const dashboards = pluginJson.includes.filter((i) => i.type === 'dashboard').map((i) => i.path);
  expect(dashboards).toEqual(['dashboards/clusters.json', 'dashboards/members.json', 'dashboards/sessions.json']);
  const nav = pluginJson.includes.filter((i) => i.type === 'page' && i.addToNav).map((i) => i.path);
  expect(nav).toEqual(
    expect.arrayContaining(['d/patroni-tuner-overview', 'd/patroni-tuner-members', 'd/patroni-tuner-sessions'])
  );
});
