/**
 * Credentials never echoed (issue 17): a URL's user:password part is replaced by `***` in every line the CLI
 * prints, and an endpoint that carries one is refused before anything is sent.
 */

/** `scheme://user[:password]@` inside any text. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@'"`]+@/gi

/** `text` with every URL's user:password part replaced by `***`. */
export function redactCredentials(text: string): string {
  return text.replace(USERINFO, '$1***@')
}

/** True when `url` (parsed) carries a user name or password. */
export function hasCredentials(url: URL): boolean {
  return url.username !== '' || url.password !== ''
}
