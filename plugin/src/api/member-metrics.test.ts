import { memberPanels, scopedExpr } from './member-metrics';

test("the cluster's scope is matched literally by the dashboard's regex matcher", () => {
  expect(scopedExpr('up{scope=~"$scope", member=~"$member"}', 'pg.main')).toBe('up{scope=~"pg\\\\.main", member=~".*"}');
  expect(scopedExpr('up{scope=~"$scope"}', 'a"b')).toBe('up{scope=~"a\\"b"}');
});

test("the page's panels are the dashboard's CPU, memory, disk, TPS and connections panels with their units", () => {
  expect(memberPanels().map((panel) => [panel.title, panel.unit, panel.targets.length])).toEqual([
    ['CPU busy', 'percentunit', 1],
    ['Memory available', 'percentunit', 1],
    ['Disk busy', 'percentunit', 1],
    ['Transactions per second', 'ops', 1],
    ['Connections by state', undefined, 1],
  ]);
});
