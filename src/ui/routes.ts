/**
 * The app's views and their hash routes (`#/run`, `#/results`, …), in navigation order. A share link
 * (`#share=<payload>`) opens the results view, where the shared run is shown. To add a view: one entry here and its
 * template in ez-app's view switch (the chat view, `<ez-chat-view>`, registers itself by being imported).
 */

/** A view of the app. */
export type ViewName = 'run' | 'results' | 'history' | 'compare' | 'chat' | 'storage'

/** One entry of the navigation. */
export interface Route {
  /** the view; its hash is `#/<name>`, its container `data-testid="view-<name>"`, its link `nav-<name>` */
  readonly name: ViewName
  /** the navigation link's text */
  readonly label: string
  /** the view's heading (also its accessible name) */
  readonly title: string
}

/** Every view, in navigation order; the first is the default. */
export const ROUTES: readonly Route[] = [
  { name: 'run', label: 'Run', title: 'Run an evaluation' },
  { name: 'results', label: 'Results', title: 'Results' },
  { name: 'history', label: 'History', title: 'Run history' },
  { name: 'compare', label: 'Compare', title: 'Compare runs' },
  { name: 'chat', label: 'Chat', title: 'Chat with a model' },
  { name: 'storage', label: 'Storage', title: 'Stored in this browser' },
]

/** The view a location hash shows: `#/<view>`, a share link's results, else the first view. */
export function viewOfHash(hash: string): ViewName {
  if (/^#share=/.test(hash)) return 'results'
  const name = /^#\/([a-z]+)\/?$/.exec(hash)?.[1]
  return ROUTES.find((r) => r.name === name)?.name ?? ROUTES[0]!.name
}

/** The hash of a view. */
export function hashOfView(view: ViewName): string {
  return `#/${view}`
}
