import React from 'react';
import { render } from '@testing-library/react';
import { MemoryRouter } from 'react-router-dom';
import type { AppRootProps } from '@grafana/data';
import App from '../components/App/App';
import type { AppSettings } from '../settings';

/** The app's root page at `path` (relative to /a/<id>/), as Grafana renders it, with these settings. */
export function renderApp(path: string, jsonData: AppSettings) {
  const props = {
    meta: { id: 'patronituner-app', jsonData },
    basename: '/a/patronituner-app',
    query: {},
    path,
  } as unknown as AppRootProps<AppSettings>;
  return render(
    <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
      <App {...props} />
    </MemoryRouter>
  );
}
