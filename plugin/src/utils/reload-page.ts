/** Grafana offers no way to refresh an app's settings in place; its pages read them when they load. */
export function reloadPage(): void {
  window.location.reload();
}
