/**
 * An API object usable before the service behind it exists: every method waits for `ready`, calls the method of
 * the same name on the service and, once the call is over, hands its arguments to `after` (the worker releases the
 * comlink proxies of callbacks there). The worker exposes it at once, since messages sent before `expose` are lost,
 * without writing its methods out a second time.
 */
export function deferredApi<T extends object>(ready: Promise<T>, after: (args: readonly unknown[]) => void = () => undefined): T {
  const methods = new Map<string, (...args: unknown[]) => Promise<unknown>>()
  const method = (name: string) => async (...args: unknown[]): Promise<unknown> => {
    try {
      const service = await ready
      const fn: unknown = Reflect.get(service, name)
      if (typeof fn !== 'function') throw new Error(`the API has no method '${name}'`)
      return await fn.apply(service, args)
    } finally {
      after(args)
    }
  }
  const handler: ProxyHandler<T> = {
    get(_target, name) {
      // methods are camelCase words: not a thenable (await probes `then`), no symbol-keyed or `_$…` internals
      if (typeof name !== 'string' || !/^[a-z][A-Za-z0-9]*$/.test(name) || name === 'then' || name === 'toJSON') return undefined
      const known = methods.get(name)
      if (known !== undefined) return known
      const fn = method(name)
      methods.set(name, fn)
      return fn
    },
  }
  return new Proxy(Object.create(null) as T, handler)
}
