/**
 * How views reach the app's store (app-store.ts): `<ez-app>` provides it with @lit/context, and a view holds a
 * StoreController, which finds the store through the context and re-renders its host whenever the store changes
 * (the worker's run events included).
 */
import { ContextConsumer, createContext } from '@lit/context'
import type { ReactiveController, ReactiveControllerHost } from 'lit'
import type { AppState, AppStore } from './app-store.ts'

/** The context key of the app's store. */
export const storeContext = createContext<AppStore>(Symbol('evalz-app-store'))

/** The state fields a view shows; it re-renders only when one of them changes. */
export type StoreFields = readonly (keyof AppState)[]

/**
 * A view's handle on the store: `store` for actions, `state` to read; the host re-renders when one of `fields`
 * changes (a run's progress events then re-render only the views that show the run).
 */
export class StoreController implements ReactiveController {
  private current: AppStore | undefined
  /** the values of `fields` at the last re-render */
  private seen: readonly unknown[] = []
  private readonly onChange = (): void => {
    const state = this.current?.state
    if (!state) return
    const values = this.fields.map((f) => state[f])
    if (values.every((v, i) => v === this.seen[i])) return
    this.seen = values
    this.host.requestUpdate()
  }

  constructor(private readonly host: ReactiveControllerHost & HTMLElement, private readonly fields: StoreFields) {
    host.addController(this)
    new ContextConsumer(host, {
      context: storeContext,
      subscribe: true,
      callback: (store) => this.attach(store),
    })
  }

  /** The store; undefined until the host is connected under `<ez-app>`. */
  get store(): AppStore | undefined {
    return this.current
  }

  /** The store's state; undefined until the host is connected under `<ez-app>`. */
  get state(): AppState | undefined {
    return this.current?.state
  }

  hostConnected(): void {
    this.current?.addEventListener('change', this.onChange)
  }

  hostDisconnected(): void {
    this.current?.removeEventListener('change', this.onChange)
  }

  private attach(store: AppStore): void {
    if (store === this.current) return
    this.current?.removeEventListener('change', this.onChange)
    this.current = store
    store.addEventListener('change', this.onChange)
    this.seen = []
    this.onChange()
  }
}
