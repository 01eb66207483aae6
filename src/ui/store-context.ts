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

/** A view's handle on the store: `store` for actions, `state` to read; the host re-renders on each change. */
export class StoreController implements ReactiveController {
  private current: AppStore | undefined
  private readonly onChange = (): void => this.host.requestUpdate()

  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
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
    this.host.requestUpdate()
  }
}
