/**
 * Grafana core registers its PanelRenderer through @grafana/runtime's internal entry point, which
 * the published package does not export; the harness bundler (test/e2e/harness-server.ts) maps this
 * name to the module file @grafana/runtime's index re-exports PanelRenderer from, so the app sees
 * what the harness sets.
 */
declare module '@grafana/runtime/internal' {
  import type { ComponentType } from 'react';
  import type { PanelRendererProps } from '@grafana/runtime';

  export function setPanelRenderer(renderer: ComponentType<PanelRendererProps>): void;
}
